/**
 * ResNet-18/34/50 as ONNX graphs with deterministic seeded weights (no downloads: the
 * weights are synthetic, the topology is torchvision's). Batch norm is folded into each
 * convolution's bias, as exporters do for inference graphs.
 *
 * Input "input" float32 [batch, 3, height, width] (all three symbolic: GlobalAveragePool
 * makes any spatial size ≥ 32 valid), output "logits" float32 [batch, numClasses].
 * An fp16 model keeps float32 I/O and casts at both ends ("keep I/O types"), so every
 * consumer feeds the same input; its weights and activations are float16.
 */
import { AttributeType, DataType, type AttributeObject, type NodeObject, type ValueInfoObject } from "./onnx-proto.js";
import { concatChunks, planModel, type LazyInitializer, type ModelChunks } from "./onnx-writer.js";
import { fillUniform, toFloat16 } from "./weights.js";

/** The architectures `generate` makes. */
export const RESNET_DEPTHS = ["resnet18", "resnet34", "resnet50"] as const;
export type ResnetName = (typeof RESNET_DEPTHS)[number];

/** Bump when the bytes for the same arguments change: cached models are keyed by it. */
export const GENERATOR_VERSION = "resnet-gen-1";
const RESNET_IR_VERSION = 8;
const RESNET_OPSET = 17;
export const RESNET_INPUT = "input";
export const RESNET_OUTPUT = "logits";

export interface ResnetOptions {
  seed: number;
  numClasses?: number;
  dtype?: "float32" | "float16";
}

interface ArchSpec {
  block: "basic" | "bottleneck";
  blocks: [number, number, number, number];
}

const ARCHS: Record<ResnetName, ArchSpec> = {
  resnet18: { block: "basic", blocks: [2, 2, 2, 2] },
  resnet34: { block: "basic", blocks: [3, 4, 6, 3] },
  resnet50: { block: "bottleneck", blocks: [3, 4, 6, 3] },
};

const STAGE_WIDTHS = [64, 128, 256, 512] as const;
/**
 * The last convolution of each residual branch is scaled down so that the sum of 8–16
 * residual additions keeps activations within float16 range (the role zero-init of the
 * last BN gamma plays in training recipes).
 */
const RESIDUAL_BRANCH_GAIN = 0.2;
const BIAS_LIMIT = 0.02;

const ints = (name: string, values: number[]): AttributeObject => ({ name, type: AttributeType.INTS, ints: values });
const int = (name: string, value: number): AttributeObject => ({ name, type: AttributeType.INT, i: value });

function tensorType(elemType: number, dims: Array<number | string>): ValueInfoObject["type"] {
  return {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
    },
  };
}

/** Accumulates nodes and lazily generated initializers while the topology is walked. */
class GraphBuilder {
  readonly nodes: NodeObject[] = [];
  readonly initializers: LazyInitializer[] = [];
  constructor(
    private readonly seed: number,
    private readonly dtype: "float32" | "float16",
  ) {}

  private weight(name: string, dims: number[], limit: number): string {
    const count = dims.reduce((a, b) => a * b, 1);
    const { seed, dtype } = this;
    this.initializers.push({
      name,
      dims,
      dataType: dtype === "float16" ? DataType.FLOAT16 : DataType.FLOAT,
      data() {
        const values = new Float32Array(count);
        fillUniform(values, seed, name, limit);
        const typed = dtype === "float16" ? toFloat16(values) : values;
        return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
      },
    });
    return name;
  }

  node(opType: string, name: string, input: string[], attribute: AttributeObject[] = []): string {
    const output = `${name}_out`;
    this.nodes.push({ opType, name, input, output: [output], attribute });
    return output;
  }

  /** Conv with folded-BN bias. He-uniform: limit = gain·√(6 / fan_in) keeps ReLU nets' variance. */
  conv(name: string, x: string, inCh: number, outCh: number, k: number, stride: number, gain = 1): string {
    const fanIn = inCh * k * k;
    const w = this.weight(`${name}.weight`, [outCh, inCh, k, k], gain * Math.sqrt(6 / fanIn));
    const b = this.weight(`${name}.bias`, [outCh], BIAS_LIMIT);
    const pad = (k - 1) >> 1;
    return this.node(
      "Conv",
      name,
      [x, w, b],
      [ints("kernel_shape", [k, k]), ints("strides", [stride, stride]), ints("pads", [pad, pad, pad, pad])],
    );
  }

  relu(name: string, x: string): string {
    return this.node("Relu", name, [x]);
  }

  gemm(name: string, x: string, inFeatures: number, outFeatures: number): string {
    const w = this.weight(`${name}.weight`, [outFeatures, inFeatures], Math.sqrt(3 / inFeatures));
    const b = this.weight(`${name}.bias`, [outFeatures], BIAS_LIMIT);
    return this.node("Gemm", name, [x, w, b], [int("transB", 1)]);
  }
}

function basicBlock(
  g: GraphBuilder,
  name: string,
  x: string,
  inCh: number,
  width: number,
  stride: number,
): [string, number] {
  let y = g.relu(`${name}.relu1`, g.conv(`${name}.conv1`, x, inCh, width, 3, stride));
  y = g.conv(`${name}.conv2`, y, width, width, 3, 1, RESIDUAL_BRANCH_GAIN);
  const shortcut = stride !== 1 || inCh !== width ? g.conv(`${name}.downsample`, x, inCh, width, 1, stride) : x;
  return [g.relu(`${name}.relu2`, g.node("Add", `${name}.add`, [y, shortcut])), width];
}

function bottleneckBlock(
  g: GraphBuilder,
  name: string,
  x: string,
  inCh: number,
  width: number,
  stride: number,
): [string, number] {
  const outCh = width * 4;
  let y = g.relu(`${name}.relu1`, g.conv(`${name}.conv1`, x, inCh, width, 1, 1));
  y = g.relu(`${name}.relu2`, g.conv(`${name}.conv2`, y, width, width, 3, stride));
  y = g.conv(`${name}.conv3`, y, width, outCh, 1, 1, RESIDUAL_BRANCH_GAIN);
  const shortcut = stride !== 1 || inCh !== outCh ? g.conv(`${name}.downsample`, x, inCh, outCh, 1, stride) : x;
  return [g.relu(`${name}.relu3`, g.node("Add", `${name}.add`, [y, shortcut])), outCh];
}

/** Plans a ResNet's bytes without generating weights (see onnx-writer.ts). */
export function planResnet(arch: ResnetName, opts: ResnetOptions): ModelChunks {
  const spec = ARCHS[arch];
  if (!spec) throw new RangeError(`unknown ResNet "${String(arch)}": expected one of ${Object.keys(ARCHS).join(", ")}`);
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 2^32), got ${opts.seed}`);
  }
  const numClasses = opts.numClasses ?? 1000;
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
  const dtype = opts.dtype ?? "float32";
  const g = new GraphBuilder(opts.seed, dtype);

  let x: string = RESNET_INPUT;
  if (dtype === "float16") x = g.node("Cast", "input_cast", [x], [int("to", DataType.FLOAT16)]);
  x = g.relu("stem.relu", g.conv("stem.conv", x, 3, 64, 7, 2));
  x = g.node(
    "MaxPool",
    "stem.maxpool",
    [x],
    [ints("kernel_shape", [3, 3]), ints("strides", [2, 2]), ints("pads", [1, 1, 1, 1])],
  );

  let channels = 64;
  const block = spec.block === "basic" ? basicBlock : bottleneckBlock;
  spec.blocks.forEach((count, stage) => {
    for (let i = 0; i < count; i++) {
      const stride = stage > 0 && i === 0 ? 2 : 1;
      [x, channels] = block(g, `layer${stage + 1}.${i}`, x, channels, STAGE_WIDTHS[stage]!, stride);
    }
  });

  x = g.node("GlobalAveragePool", "avgpool", [x]);
  x = g.node("Flatten", "flatten", [x], [int("axis", 1)]);
  x = g.gemm("fc", x, channels, numClasses);
  if (dtype === "float16") x = g.node("Cast", "output_cast", [x], [int("to", DataType.FLOAT)]);
  // The last node writes the graph output under its public name.
  g.nodes[g.nodes.length - 1]!.output = [RESNET_OUTPUT];

  return planModel(
    {
      irVersion: RESNET_IR_VERSION,
      opsetVersion: RESNET_OPSET,
      producerName: "vramgate",
      producerVersion: GENERATOR_VERSION,
      docString: `${arch} seed=${opts.seed} dtype=${dtype} (synthetic weights, BN folded)`,
    },
    {
      name: `${arch}_s${opts.seed}`,
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: RESNET_INPUT, type: tensorType(DataType.FLOAT, ["batch", 3, "height", "width"]) }],
      outputs: [{ name: RESNET_OUTPUT, type: tensorType(DataType.FLOAT, ["batch", numClasses]) }],
    },
  );
}

/** The model's bytes; identical for identical arguments. */
export function buildResnet(arch: ResnetName, opts: ResnetOptions): Uint8Array {
  return concatChunks(planResnet(arch, opts));
}
