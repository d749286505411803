/**
 * The ONNX Runtime engine, through onnxruntime-node.
 *
 * Strategy mapping (the engine is strategy-agnostic; src/run/strategy-loop.ts decides
 * when each call happens):
 *   load()        read the model file once into memory, check precision against the
 *                 model's weight types, import onnxruntime-node, verify the provider.
 *   activate()    InferenceSession.create(model bytes, provider, thread/arena options):
 *                 the session owns the weights on the device and the memory arena.
 *   infer(shape)  run on a view of one seeded input buffer per input (sized in load()).
 *   deactivate()  session.release(): frees the session, its weights and its arena.
 *
 *   persistent    one session for the whole run, never released by the loop
 *   teardown      one session, released at the end
 *   scoped        a session created and released around every call (the baseline)
 *   per-shape     unsupported: a session is not bound to a shape, so a per-shape pool
 *                 would only be N copies of the same weights
 *   user-managed  unsupported: ORT gives no way to hand a session a caller-owned block
 *
 * Providers: "cpu" (default), "cuda" and "tensorrt" only when the installed build has
 * them; never a silent fall back to CPU (see onnxruntime-probe.ts).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { EngineUnavailableError, OutOfMemoryError } from "../../errors.js";
import { uniformAt } from "../../uniform-at.js";
import { DataType } from "../../models/onnx-proto.js";
import { inspectOnnx, type OnnxSummary } from "../../models/onnx-inspect.js";
import { fillUniform, hashName, toFloat16 } from "../../models/weights.js";
import { probeProvider, type OrtModule } from "./probe.js";
import {
  withCallsDone,
  type BatchMode,
  type BatchTimes,
  type EngineInit,
  type InputProfile,
  type InputValues,
  type JsEngine,
  type Precision,
  type ShapeMap,
} from "../contract.js";
import { EngineLifecycle } from "../lifecycle.js";
import { isOutOfMemoryMessage } from "../oom.js";
import type { OnnxRuntimeOptions } from "./section.js";

type Session = Awaited<ReturnType<OrtModule["InferenceSession"]["create"]>>;
type OrtTensor = InstanceType<OrtModule["Tensor"]>;
type SessionOptions = NonNullable<Parameters<OrtModule["InferenceSession"]["create"]>[1]>;

/** OutOfMemoryError for allocation failures (a finding), the original error otherwise. */
export function mapOrtError(err: unknown, during: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (isOutOfMemoryMessage(message))
    return new OutOfMemoryError(`onnxruntime: out of memory during ${during}: ${message}`);
  return err instanceof Error ? err : new Error(message);
}

function installedOrtVersion(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url)("onnxruntime-node/package.json") as { version?: string };
    return pkg.version;
  } catch {
    return undefined;
  }
}

async function importOrt(): Promise<OrtModule> {
  try {
    return await import("onnxruntime-node");
  } catch (err) {
    throw new EngineUnavailableError(
      [
        `onnxruntime: the onnxruntime-node package could not be loaded (${(err as Error).message.split("\n")[0]}).`,
        "Possible solutions:",
        "- Install it in this project: npm install onnxruntime-node@1.30.0",
        "- Or choose an engine available here (engine: tensorrt, libtorch or process).",
      ].join("\n"),
    );
  }
}

/**
 * The precisions this engine runs a model in, from its weight types: ONNX Runtime runs a
 * model in the precision it is stored in, so fp16 needs float16 weights and a model with
 * float16 weights only cannot run as fp32. One rule for load() and for the checks made
 * before a run starts (src/run/preflight.ts).
 */
export function ortRunnablePrecisions(summary: OnnxSummary): Precision[] {
  const fp32 = summary.initializerTypes.get(DataType.FLOAT) ?? 0;
  const fp16 = summary.initializerTypes.get(DataType.FLOAT16) ?? 0;
  const out: Precision[] = [];
  if (!(fp16 > 0 && fp32 === 0)) out.push("fp32");
  if (fp16 > 0) out.push("fp16");
  return out;
}

/** Which float weights a precision needs, and the refusal when the model lacks them. */
function checkPrecision(precision: Precision, summary: OnnxSummary, modelPath: string): void {
  const runnable = ortRunnablePrecisions(summary);
  if (precision === "fp32") {
    if (!runnable.includes("fp32")) {
      throw new EngineUnavailableError(
        `onnxruntime: precision fp32 needs float32 weights, but ${modelPath} has float16 weights only.\n` +
          "Possible solutions:\n- Use precision fp16 for this model.\n- Or point the scenario at the float32 model.",
      );
    }
    return;
  }
  if (precision === "fp16") {
    if (!runnable.includes("fp16")) {
      throw new EngineUnavailableError(
        `onnxruntime: precision fp16 needs a model with float16 weights, but ${modelPath} has none ` +
          `(ONNX Runtime runs a model in the precision it is stored in).\n` +
          "Possible solutions:\n" +
          "- Generate one: vramgate model <arch> --fp16.\n" +
          "- Convert your model to float16 (onnxconverter-common's float16 converter, keep_io_types=True).",
      );
    }
    return;
  }
  throw new EngineUnavailableError(
    `onnxruntime: precision ${precision} is not supported by the onnxruntime engine (it runs fp32 models and fp16 models).\n` +
      "Possible solutions:\n" +
      "- Use precision fp32 or fp16.\n" +
      (precision === "int8" || precision === "fp8"
        ? `- For ${precision}, use engine tensorrt, which builds quantized engines; a pre-quantized (QDQ) model can run here under precision fp32.`
        : `- For ${precision}, use engine tensorrt or libtorch.`),
  );
}

const PROFILE_ELEM_TYPES: Record<string, number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int32: DataType.INT32,
  int64: DataType.INT64,
};

/** The scenario's profile must name the model's inputs with their element types. */
function checkInputs(profile: Record<string, InputProfile>, summary: OnnxSummary, modelPath: string): void {
  const modelInputs = summary.inputs.map((i) => i.name);
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(profile)) {
    const input = summary.inputs.find((i) => i.name === name);
    if (!input) {
      problems.push(
        `profile input "${name}" is not an input of the model (its inputs: ${modelInputs.join(", ") || "none"})`,
      );
    } else if (input.elemType !== 0 && PROFILE_ELEM_TYPES[spec.dtype] !== input.elemType) {
      const actual =
        Object.entries(PROFILE_ELEM_TYPES).find(([, code]) => code === input.elemType)?.[0] ??
        `ONNX type ${input.elemType}`;
      problems.push(`profile input "${name}" has dtype ${spec.dtype}, but the model expects ${actual}`);
    }
  }
  for (const name of modelInputs) {
    if (!(name in profile)) problems.push(`model input "${name}" has no shape in the scenario's profile`);
  }
  if (problems.length > 0) {
    throw new EngineUnavailableError(
      `onnxruntime: the scenario's profile does not match ${modelPath}:\n- ${problems.join("\n- ")}\n` +
        "Possible solutions:\n- Name every model input under profile: with its dtype, using the model's input names.",
    );
  }
}

function elementCount(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

type InputArray = Float32Array | Uint16Array | Int32Array | BigInt64Array;

/**
 * Deterministic input values. Without a values spec (the default, unchanged): uniform in
 * [-1, 1) for float inputs, integers in [0, 100) for integer inputs (valid ids for typical
 * embedding tables). With `values`: ones, zeros, or { min, max } (integers uniform in
 * [min, max] for integer dtypes, uniform in [min, max] for floats). Both generators are
 * indexed by element, so a longer buffer starts with the same values as a shorter one.
 */
export function seededInput(
  spec: Pick<InputProfile, "dtype" | "values">,
  count: number,
  seed: number,
  name: string,
): InputArray {
  const { dtype, values: fill } = spec;
  if (fill !== undefined) return filledInput(dtype, fill, count, seed, name);
  const values = new Float32Array(count);
  fillUniform(values, seed, `input:${name}`, 1);
  switch (dtype) {
    case "float32":
      return values;
    case "float16":
      return toFloat16(values);
    case "int32":
      return Int32Array.from(values, (v) => Math.floor((v + 1) * 50));
    case "int64":
      return BigInt64Array.from(values, (v) => BigInt(Math.floor((v + 1) * 50)));
  }
}

/**
 * An input filled per its values spec. Draws come from uniformAt keyed by (seed, input
 * name), one 32-bit draw per element, two where an integer range has more than 2^32
 * values (int64 ids), so every integer of [min, max] is reachable.
 */
function filledInput(
  dtype: InputProfile["dtype"],
  fill: InputValues,
  count: number,
  seed: number,
  name: string,
): InputArray {
  const { min, max } = fill === "ones" ? { min: 1, max: 1 } : fill === "zeros" ? { min: 0, max: 0 } : fill;
  const key = (seed ^ hashName(`values:${name}`)) >>> 0;
  if (dtype === "float32" || dtype === "float16") {
    const out = new Float32Array(count);
    if (min === max) out.fill(min);
    else for (let i = 0; i < count; i++) out[i] = min + uniformAt(key, i, 0) * (max - min);
    return dtype === "float16" ? toFloat16(out) : out;
  }
  const n = max - min + 1;
  const wide = n > 2 ** 32;
  const at = (i: number): number => {
    if (n === 1) return min;
    const u = wide ? uniformAt(key, i, 0) + uniformAt(key, i, 1) / 2 ** 32 : uniformAt(key, i, 0);
    // The two-draw sum can round up to 1.0 in double precision: clamp to the last value.
    return min + Math.min(n - 1, Math.floor(u * n));
  };
  if (dtype === "int32") return Int32Array.from({ length: count }, (_, i) => at(i));
  const out = new BigInt64Array(count);
  for (let i = 0; i < count; i++) out[i] = BigInt(at(i));
  return out;
}

/** Distinct shapes whose input tensors are kept (a random sequence of a wide profile has many). */
const FEED_CACHE_SHAPES = 64;

class OnnxRuntimeEngine extends EngineLifecycle {
  readonly name = "onnxruntime";
  private ort: OrtModule | undefined;
  private modelBytes: Uint8Array | undefined;
  private session: Session | undefined;
  private readonly inputPools = new Map<string, InputArray>();
  /** Input tensors per shape (views on the pools), so a call allocates nothing but what session.run does. */
  private readonly feedCache = new Map<string, Record<string, OrtTensor>>();

  constructor(private readonly init: EngineInit<OnnxRuntimeOptions>) {
    super();
  }

  versions(): Record<string, string> {
    const version = this.ort?.env.versions.node ?? installedOrtVersion();
    return version ? { onnxruntime: version } : {};
  }

  protected async loadImpl(): Promise<void> {
    const { inputs, precision, modelPath, section, device, seed } = this.init;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(modelPath);
    } catch (err) {
      throw new EngineUnavailableError(`onnxruntime: cannot read model file ${modelPath}: ${(err as Error).message}`);
    }
    let summary: OnnxSummary;
    try {
      summary = inspectOnnx(bytes);
    } catch (err) {
      throw new EngineUnavailableError(`onnxruntime: ${modelPath} is ${(err as Error).message}`);
    }
    checkPrecision(precision, summary, modelPath);
    checkInputs(inputs, summary, modelPath);

    const ort = await importOrt();
    const provider = section.executionProvider;
    if (provider !== "cpu") {
      const failure = await probeProvider(ort, provider, device);
      if (failure !== null) {
        throw new EngineUnavailableError(
          [
            `onnxruntime: execution provider "${provider}" is not available in the installed onnxruntime-node ${ort.env.versions.node ?? ""}: ${failure}.`,
            "The npm package ships CPU-only binaries; the CUDA/TensorRT provider libraries come from its postinstall download (which this project's .npmrc skips) and need CUDA, cuDNN" +
              (provider === "tensorrt" ? " and TensorRT" : "") +
              " on the library path.",
            "Possible solutions:",
            "- Fetch the CUDA 12 provider binaries: npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12 (needs access to api.nuget.org).",
            `- Make the CUDA 12 / cuDNN 9${provider === "tensorrt" ? " / TensorRT 10" : ""} libraries visible via LD_LIBRARY_PATH.`,
            '- Or run on CPU: onnxruntime.executionProvider: "cpu".',
          ].join("\n"),
        );
      }
    }
    this.ort = ort;
    this.modelBytes = bytes;
    for (const [name, spec] of Object.entries(inputs)) {
      this.inputPools.set(name, seededInput(spec, elementCount(spec.max), seed, name));
    }
  }

  private sessionOptions(): SessionOptions {
    const opts = this.init.section;
    const provider = opts.executionProvider;
    const options: SessionOptions = {
      executionProviders: [provider === "cpu" ? "cpu" : { name: provider, deviceId: this.init.device }],
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
    };
    if (opts.intraOpThreads !== undefined) options.intraOpNumThreads = opts.intraOpThreads;
    if (opts.interOpThreads !== undefined) options.interOpNumThreads = opts.interOpThreads;
    if (opts.enableCpuMemArena !== undefined) options.enableCpuMemArena = opts.enableCpuMemArena;
    if (opts.enableMemPattern !== undefined) options.enableMemPattern = opts.enableMemPattern;
    return options;
  }

  protected async activateImpl(): Promise<void> {
    if (!this.ort || !this.modelBytes) throw new Error("onnxruntime: load() left no model (internal error)");
    try {
      this.session = await this.ort.InferenceSession.create(this.modelBytes, this.sessionOptions());
    } catch (err) {
      throw mapOrtError(err, "session creation");
    }
  }

  /**
   * Input data for one call: a view on one seeded buffer per input, sized for the largest
   * shape (the profile's max, allocated in load()). Shapes of a random sequence therefore
   * allocate nothing per call, so host memory cannot creep with the number of distinct
   * shapes and be mistaken for a leak.
   */
  private inputTensor(ort: OrtModule, name: string, dims: number[]): OrtTensor {
    const count = elementCount(dims);
    let pool = this.inputPools.get(name);
    if (!pool || pool.length < count) {
      pool = seededInput(this.init.inputs[name] ?? { dtype: "float32" }, count, this.init.seed, name);
      this.inputPools.set(name, pool);
    }
    const data = pool.subarray(0, count);
    if (data instanceof Float32Array) return new ort.Tensor("float32", data, dims);
    if (data instanceof Uint16Array) return new ort.Tensor("float16", data, dims);
    if (data instanceof Int32Array) return new ort.Tensor("int32", data, dims);
    return new ort.Tensor("int64", data, dims);
  }

  /** The feeds for a shape, made once per distinct shape (at most FEED_CACHE_SHAPES kept). */
  private feeds(session: Session, ort: OrtModule, shape: ShapeMap): Record<string, OrtTensor> {
    const key = JSON.stringify(shape);
    const cached = this.feedCache.get(key);
    if (cached) return cached;
    const feeds: Record<string, OrtTensor> = {};
    for (const [name, dims] of Object.entries(shape)) {
      if (!session.inputNames.includes(name)) {
        throw new Error(
          `onnxruntime: shape names input "${name}", but the model's inputs are: ${session.inputNames.join(", ")}`,
        );
      }
      feeds[name] = this.inputTensor(ort, name, dims);
    }
    if (this.feedCache.size >= FEED_CACHE_SHAPES) this.feedCache.clear();
    this.feedCache.set(key, feeds);
    return feeds;
  }

  protected async inferImpl(shape: ShapeMap): Promise<void> {
    const session = this.session;
    if (!session || !this.ort) throw new Error("onnxruntime: activate() left no session (internal error)");
    const feeds = this.feeds(session, this.ort, shape);
    try {
      await session.run(feeds);
    } catch (err) {
      throw mapOrtError(err, `inference on ${JSON.stringify(shape)}`);
    }
  }

  override canBatch(): boolean {
    return true;
  }

  /**
   * The timed loop as close to a bare `await session.run(feeds)` loop as Node allows: feeds
   * come from the per-shape cache, and each call costs two hrtime reads besides the run.
   */
  protected override async inferBatchImpl(shapes: ShapeMap[], mode: BatchMode): Promise<BatchTimes> {
    const n = shapes.length;
    const startNs: number[] = [];
    const endNs: number[] = [];
    const ort = this.ort;
    if (!ort) throw new Error("onnxruntime: load() left no runtime (internal error)");
    let k = 0;
    try {
      if (mode === "scoped") {
        for (; k < n; k++) {
          const t0 = process.hrtime.bigint();
          await this.activateImpl();
          try {
            await this.inferImpl(shapes[k]!);
          } finally {
            await this.deactivateImpl();
          }
          const t1 = process.hrtime.bigint();
          startNs.push(Number(t0));
          endNs.push(Number(t1));
        }
      } else {
        const session = this.session;
        if (!session) throw new Error("onnxruntime: activate() left no session (internal error)");
        for (; k < n; k++) {
          const feeds = this.feeds(session, ort, shapes[k]!);
          const t0 = process.hrtime.bigint();
          await session.run(feeds);
          const t1 = process.hrtime.bigint();
          startNs.push(Number(t0));
          endNs.push(Number(t1));
        }
      }
    } catch (err) {
      const mapped = mode === "scoped" ? (err as Error) : mapOrtError(err, `inference on ${JSON.stringify(shapes[k])}`);
      throw withCallsDone(mapped instanceof Error ? mapped : new Error(String(mapped)), { startNs, endNs });
    }
    return { startNs, endNs };
  }

  protected async deactivateImpl(): Promise<void> {
    const session = this.session;
    // Cleared first: a failed release must not leave a half-dead session to reuse.
    this.session = undefined;
    if (session) await session.release();
  }

  /** ORT's Node binding exposes no allocator or arena figures; the sampler measures RSS. */
  memoryStats(): Record<string, number> {
    return {};
  }

  protected async closeImpl(): Promise<void> {
    this.inputPools.clear();
    this.feedCache.clear();
    this.modelBytes = undefined;
  }
}

/** An onnxruntime engine for one strategy child. Nothing is imported or read until load(). */
export function createOnnxRuntimeEngine(init: EngineInit<OnnxRuntimeOptions>): JsEngine {
  return new OnnxRuntimeEngine(init);
}
