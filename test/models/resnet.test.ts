import { createHash } from "node:crypto";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { RESNET_DEPTHS, type ResnetName } from "../../src/scenarios/types.js";
import { DataType } from "../../src/models/onnx-proto.js";
import { inspectOnnx, OnnxFormatError } from "../../src/models/onnx-inspect.js";
import { buildResnet, planResnet, RESNET_INPUT, RESNET_OUTPUT } from "../../src/models/resnet.js";

function input(batch: number, size: number): ort.Tensor {
  const data = new Float32Array(batch * 3 * size * size);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37);
  return new ort.Tensor("float32", data, [batch, 3, size, size]);
}

async function logits(session: ort.InferenceSession, batch: number, size: number): Promise<ort.Tensor> {
  const out = await session.run({ [RESNET_INPUT]: input(batch, size) });
  return out[RESNET_OUTPUT]!;
}

/** One intra-op thread: test files run in parallel forks on a 2-core CI machine. */
const ONE_THREAD = { executionProviders: ["cpu"], intraOpNumThreads: 1 };

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Convolutions in torchvision's topologies (stem + blocks + downsample shortcuts). */
const CONV_COUNT: Record<ResnetName, number> = { resnet18: 20, resnet34: 36, resnet50: 53 };

describe.each(RESNET_DEPTHS.map((arch) => [arch]))("%s", (arch) => {
  it("runs in ONNX Runtime with symbolic batch and spatial dims, and is byte-identical across generations", async () => {
    const t0 = performance.now();
    const bytes = buildResnet(arch, { seed: 3 });
    const genMs = performance.now() - t0;
    // The plan knows the size before any weight is generated.
    expect(planResnet(arch, { seed: 3 }).byteLength).toBe(bytes.length);
    expect(sha(buildResnet(arch, { seed: 3 }))).toBe(sha(bytes));
    expect(sha(buildResnet(arch, { seed: 4 }))).not.toBe(sha(bytes));

    const summary = inspectOnnx(bytes);
    expect(summary.inputs).toEqual([{ name: RESNET_INPUT, elemType: DataType.FLOAT }]);
    // Every conv has weight + bias, plus the classifier's two.
    expect(summary.initializerTypes.get(DataType.FLOAT)).toBe(CONV_COUNT[arch] * 2 + 2);

    const session = await ort.InferenceSession.create(bytes, ONE_THREAD);
    try {
      expect(session.inputMetadata[0]).toMatchObject({
        name: RESNET_INPUT,
        type: "float32",
        shape: ["batch", 3, "height", "width"],
      });
      for (const batch of [1, 3]) {
        const out = await logits(session, batch, 64);
        expect(out.dims).toEqual([batch, 1000]);
        const values = out.data as Float32Array;
        expect(values.every(Number.isFinite)).toBe(true);
        // Not a degenerate constant output.
        expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0);
      }
    } finally {
      await session.release();
    }
    console.log(`${arch}: ${(bytes.length / 1e6).toFixed(1)} MB generated in ${genMs.toFixed(0)} ms`);
  });
});

describe("resnet18 details", () => {
  it("runs at 224x224 and gives different logits for different seeds", async () => {
    const a = await ort.InferenceSession.create(buildResnet("resnet18", { seed: 1 }), ONE_THREAD);
    const b = await ort.InferenceSession.create(buildResnet("resnet18", { seed: 2 }), ONE_THREAD);
    try {
      const la = (await logits(a, 1, 224)).data as Float32Array;
      const lb = (await logits(b, 1, 224)).data as Float32Array;
      expect(la.length).toBe(1000);
      expect(la.every(Number.isFinite)).toBe(true);
      expect(Array.from(la)).not.toEqual(Array.from(lb));
      // Same model, same input → same logits (ORT on CPU is deterministic for this graph).
      const again = (await logits(a, 1, 224)).data as Float32Array;
      expect(Array.from(again)).toEqual(Array.from(la));
    } finally {
      await a.release();
      await b.release();
    }
  });

  it("fp16 keeps float32 I/O, stores float16 weights, and tracks the fp32 model's logits", async () => {
    const fp16 = buildResnet("resnet18", { seed: 5, dtype: "float16" });
    const fp32 = buildResnet("resnet18", { seed: 5 });
    const summary = inspectOnnx(fp16);
    expect(summary.initializerTypes.get(DataType.FLOAT16)).toBe(42);
    expect(summary.initializerTypes.has(DataType.FLOAT)).toBe(false);
    expect(summary.inputs[0]?.elemType).toBe(DataType.FLOAT);
    // Half the weight bytes.
    expect(fp16.length).toBeLessThan(fp32.length * 0.51);

    const s16 = await ort.InferenceSession.create(fp16, ONE_THREAD);
    const s32 = await ort.InferenceSession.create(fp32, ONE_THREAD);
    try {
      const l16 = (await logits(s16, 2, 64)).data as Float32Array;
      const l32 = (await logits(s32, 2, 64)).data as Float32Array;
      expect(l16.every(Number.isFinite)).toBe(true);
      let maxDiff = 0;
      let maxAbs = 0;
      for (let i = 0; i < l32.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(l16[i]! - l32[i]!));
        maxAbs = Math.max(maxAbs, Math.abs(l32[i]!));
      }
      expect(maxDiff).toBeLessThan(0.02 * maxAbs);
    } finally {
      await s16.release();
      await s32.release();
    }
  });

  it("honours numClasses and rejects bad arguments with RangeError", async () => {
    const session = await ort.InferenceSession.create(buildResnet("resnet18", { seed: 0, numClasses: 10 }), ONE_THREAD);
    try {
      expect((await logits(session, 2, 32)).dims).toEqual([2, 10]);
    } finally {
      await session.release();
    }
    expect(() => buildResnet("resnet18", { seed: -1 })).toThrow(RangeError);
    expect(() => buildResnet("resnet18", { seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => buildResnet("resnet101" as ResnetName, { seed: 0 })).toThrow(/unknown ResNet "resnet101"/);
  });

  it("inspectOnnx refuses bytes that are not a model", () => {
    expect(() => inspectOnnx(new TextEncoder().encode("definitely not protobuf"))).toThrow(OnnxFormatError);
    expect(() => inspectOnnx(new Uint8Array(0))).toThrow(/no graph/);
  });
});
