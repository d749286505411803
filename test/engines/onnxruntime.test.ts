import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { engineInit } from "../../src/run/create-driver.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { JsEngine } from "../../src/engines/contract.js";
import { createOnnxRuntimeEngine, mapOrtError } from "../../src/engines/onnxruntime/engine.js";
import { missingProviderLibrary } from "../../src/engines/onnxruntime/probe.js";
import { EngineUnavailableError, OutOfMemoryError } from "../../src/errors.js";
import { ensureModel } from "../../src/models/cache.js";
import type { OnnxRuntimeOptions, Precision, Scenario } from "../../src/scenarios/types.js";

let dir: string;
let fp32Path: string;
let fp16Path: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vramgate-ort-"));
  fp32Path = (await ensureModel({ arch: "resnet18", seed: 1 }, dir)).path;
  fp16Path = (await ensureModel({ arch: "resnet18", seed: 1, dtype: "float16" }, dir)).path;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function scenario(onnxruntime: Partial<OnnxRuntimeOptions> = {}): Scenario {
  const shape = [1, 3, 64, 64];
  return {
    file: join(dir, "scenario.yaml"),
    name: "ort-test",
    model: { kind: "generate", arch: "resnet18", seed: 1 },
    engine: "onnxruntime",
    precisions: ["fp32"],
    profile: { input: { min: [1, 3, 32, 32], opt: shape, max: [4, 3, 96, 96], dtype: "float32" } },
    sequences: [{ kind: "fixed", label: "fixed" }],
    strategies: ["persistent", "scoped"],
    baseline: "scoped",
    run: { warmup: 1, iterations: 5, rounds: 1, maxDurationS: 60, seed: 42, watchdogS: 30, replay: 0, confirm: false },
    memory: { intervalMs: 1, device: 0 },
    gate: { leak: "fail", shapeGrowth: "off", allow: {}, minSpeedup: {} },
    faults: {},
    onnxruntime: { executionProvider: "cpu", intraOpThreads: 1, ...onnxruntime },
    tensorrt: { allocationStrategy: "static", cudaGraph: false, perShapePoolSize: 4 },
    libtorch: { cudaGraph: false, perShapePoolSize: 4, env: {} },
  };
}

function engine(opts: { precision?: Precision; modelPath?: string; ort?: Partial<OnnxRuntimeOptions> } = {}): JsEngine {
  return createOnnxRuntimeEngine(
    engineInit(scenario(opts.ort), opts.precision ?? "fp32", "scoped", opts.modelPath ?? fp32Path),
  );
}

/** What the engine did with ORT: each session it created (options, runs, released) and each run's output. */
interface Watched {
  sessions: { options: Record<string, unknown>; runs: number; released: boolean }[];
  /** Per run: the first output's dims and whether every value is finite. */
  outputs: { dims: readonly number[]; finite: boolean }[];
}

/**
 * Watches ORT's own InferenceSession.create (the engine imports the same module): every
 * session the engine makes is recorded, and its run()/release() are observed, so a test can
 * check what ORT really computed and what was freed, not only that nothing threw.
 */
async function watchOrt(): Promise<Watched> {
  const ort = await import("onnxruntime-node");
  const watched: Watched = { sessions: [], outputs: [] };
  const create = ort.InferenceSession.create.bind(ort.InferenceSession) as (...args: any[]) => Promise<any>;
  vi.spyOn(ort.InferenceSession, "create").mockImplementation((async (...args: any[]) => {
    const session = await create(...args);
    const record = { options: { ...(args[1] ?? {}) }, runs: 0, released: false };
    watched.sessions.push(record);
    const run = session.run.bind(session);
    const release = session.release.bind(session);
    session.run = async (...a: any[]) => {
      const out = await run(...a);
      record.runs++;
      const first = Object.values(out)[0] as { dims: readonly number[]; data: ArrayLike<number> };
      watched.outputs.push({ dims: first.dims, finite: Array.from(first.data).every(Number.isFinite) });
      return out;
    };
    session.release = async () => {
      record.released = true;
      return release();
    };
    return session;
  }) as never);
  return watched;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("onnxruntime engine", () => {
  it("reports the installed onnxruntime-node version", async () => {
    const e = engine();
    expect(e.versions().onnxruntime).toMatch(/^\d+\.\d+\.\d+/);
    await e.load();
    expect(e.versions().onnxruntime).toMatch(/^\d+\.\d+\.\d+/);
    expect(e.memoryStats?.()).toEqual({});
    await e.close();
  });

  it("activates, infers and deactivates for several shapes", async () => {
    const watched = await watchOrt();
    const e = engine();
    await e.load();
    const shapes = [
      [1, 3, 32, 32],
      [2, 3, 64, 64],
      [4, 3, 96, 96],
      [1, 3, 64, 48],
    ];
    for (const shape of shapes) {
      await e.activate();
      await e.infer({ input: shape });
      await e.infer({ input: shape }); // second call reuses the cached input tensor
      await e.deactivate();
    }
    await e.close();
    // One session per activate, two runs each, every one released by deactivate.
    expect(watched.sessions.map((s) => [s.runs, s.released])).toEqual(shapes.map(() => [2, true]));
    // ResNet-18's logits: one row of 1000 classes per batch item, all finite.
    expect(watched.outputs.map((o) => o.dims)).toEqual(
      shapes.flatMap((s) => [
        [s[0], 1000],
        [s[0], 1000],
      ]),
    );
    expect(watched.outputs.every((o) => o.finite)).toBe(true);
  });

  it("keeps one session across calls of different shapes (persistent use)", async () => {
    const e = engine();
    await e.load();
    await e.activate();
    for (const shape of [
      [1, 3, 32, 32],
      [3, 3, 64, 64],
      [1, 3, 32, 32],
    ])
      await e.infer({ input: shape });
    await expect(e.activate()).rejects.toThrow(/while a context is active/);
    await e.close();
    // close() released the session: infer now fails as on a never-activated engine.
    await expect(e.infer({ input: [1, 3, 32, 32] })).rejects.toThrow(/before activate/);
  });

  it("runs with ORT's CPU arena and memory pattern turned off", async () => {
    const watched = await watchOrt();
    const e = engine({ ort: { enableCpuMemArena: false, enableMemPattern: false } });
    await e.load();
    await e.activate();
    await e.infer({ input: [2, 3, 64, 64] });
    await e.infer({ input: [1, 3, 32, 32] });
    await e.close();
    // The scenario's switches reach ORT's session options…
    expect(watched.sessions).toHaveLength(1);
    expect(watched.sessions[0]!.options).toMatchObject({ enableCpuMemArena: false, enableMemPattern: false });
    // …and the session still computes: both runs gave finite logits of the right shape.
    expect(watched.outputs).toEqual([
      { dims: [2, 1000], finite: true },
      { dims: [1, 1000], finite: true },
    ]);
  });

  it("leaves ORT's arena and memory pattern at ORT's defaults when the scenario does not set them", async () => {
    const watched = await watchOrt();
    const e = engine();
    await e.load();
    await e.activate();
    await e.close();
    expect(watched.sessions).toHaveLength(1);
    expect(watched.sessions[0]!.options).not.toHaveProperty("enableCpuMemArena");
    expect(watched.sessions[0]!.options).not.toHaveProperty("enableMemPattern");
  });

  it("runs a scoped cycle: activate/infer/deactivate ×5", async () => {
    const watched = await watchOrt();
    const e = engine();
    await e.load();
    for (let i = 0; i < 5; i++) {
      await e.activate();
      await e.infer({ input: [1, 3, 64, 64] });
      await e.deactivate();
    }
    await e.deactivate(); // idempotent when nothing is active
    // Five sessions, one run each, all released; the extra deactivate released nothing twice.
    expect(watched.sessions.map((s) => [s.runs, s.released])).toEqual(Array.from({ length: 5 }, () => [1, true]));
    await expect(e.infer({ input: [1, 3, 64, 64] })).rejects.toThrow(/before activate/);
    await e.close();
    expect(watched.sessions).toHaveLength(5);
  });

  it("refuses infer before activate and activate before load, with clear messages", async () => {
    const e = engine();
    await expect(e.activate()).rejects.toThrow("onnxruntime: activate() called before load()");
    await e.load();
    await expect(e.infer({ input: [1, 3, 64, 64] })).rejects.toThrow(/infer\(\) called before activate\(\)/);
    await e.activate();
    await expect(e.infer({ image: [1, 3, 64, 64] })).rejects.toThrow(/input "image".*inputs are: input/);
    await e.close();
  });

  // Only on a CPU-only onnxruntime-node build: with the provider's library present the
  // provider may well load, and the test is skipped, saying so.
  for (const provider of ["cuda", "tensorrt"] as const) {
    const cpuOnly = missingProviderLibrary(provider) !== null;
    const title = `refuses the ${provider} provider on a CPU-only build, naming the provider`;
    it.skipIf(!cpuOnly)(
      cpuOnly ? title : `${title} — SKIPPED: this onnxruntime-node ships the ${provider} provider`,
      async () => {
        const e = engine({ ort: { executionProvider: provider } });
        const err = await e.load().then(
          () => undefined,
          (x: unknown) => x,
        );
        expect(err).toBeInstanceOf(EngineUnavailableError);
        const message = (err as Error).message;
        expect(message).toContain(`execution provider "${provider}" is not available`);
        expect(message).toContain("Possible solutions:");
        expect(message).toContain('executionProvider: "cpu"');
      },
    );
  }

  it("refuses precisions it cannot run, naming what is missing", async () => {
    for (const precision of ["int8", "bf16", "fp8"] as const) {
      await expect(engine({ precision }).load()).rejects.toThrow(EngineUnavailableError);
    }
    await expect(engine({ precision: "int8" }).load()).rejects.toThrow(
      /precision int8 is not supported.*fp32 models and fp16 models/,
    );
    // fp16 needs float16 weights.
    await expect(engine({ precision: "fp16" }).load()).rejects.toThrow(
      /precision fp16 needs a model with float16 weights/,
    );
    // …and an fp16 model is not run as fp32.
    await expect(engine({ precision: "fp32", modelPath: fp16Path }).load()).rejects.toThrow(/float16 weights only/);
  });

  it("runs an fp16 model at precision fp16", async () => {
    const watched = await watchOrt();
    const e = engine({ precision: "fp16", modelPath: fp16Path });
    await e.load();
    await e.activate();
    await e.infer({ input: [2, 3, 64, 64] });
    await e.close();
    // One run, logits for both batch items (fp16 values: only their shape is checked here).
    expect(watched.outputs).toHaveLength(1);
    expect(watched.outputs[0]!.dims).toEqual([2, 1000]);
  });

  it("refuses a missing or malformed model file with EngineUnavailableError", async () => {
    await expect(engine({ modelPath: join(dir, "nope.onnx") }).load()).rejects.toThrow(
      /cannot read model file .*nope\.onnx/,
    );
    const bad = join(dir, "bad.onnx");
    await writeFile(bad, "this is not an onnx model");
    await expect(engine({ modelPath: bad }).load()).rejects.toThrow(/bad\.onnx is not a valid ONNX model/);
  });

  it("maps allocation failures to OutOfMemoryError and leaves other errors alone", () => {
    const oom = mapOrtError(
      new Error(
        "[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Failed to allocate memory for requested buffer of size 123",
      ),
      "inference",
    );
    expect(oom).toBeInstanceOf(OutOfMemoryError);
    expect(oom.message).toContain("out of memory during inference");
    expect(mapOrtError(new Error("CUDA failure 2: out of memory"), "x")).toBeInstanceOf(OutOfMemoryError);
    const other = new Error("Invalid rank for input: input Got: 3 Expected: 4");
    expect(mapOrtError(other, "x")).toBe(other);
  });

  it("reports real ORT errors for a wrong-rank input", async () => {
    const e = engine();
    await e.load();
    await e.activate();
    await expect(e.infer({ input: [3, 64, 64] })).rejects.toThrow(/rank/i);
    await e.close();
  });
});

describe("onnxruntime-node input views (the engine feeds prefixes of one buffer)", () => {
  it("reads exactly the view's elements, not the whole underlying buffer", async () => {
    const ort = await import("onnxruntime-node");
    const { readFile } = await import("node:fs/promises");
    const session = await ort.InferenceSession.create(await readFile(fp32Path));
    try {
      const dims = [1, 3, 32, 32];
      const pool = new Float32Array(2 * 3 * 64 * 64);
      for (let i = 0; i < pool.length; i++) pool[i] = Math.cos(i);
      const view = pool.subarray(0, 3 * 32 * 32);
      const copy = Float32Array.from(view);
      const a = (await session.run({ input: new ort.Tensor("float32", view, dims) })).logits!.data as Float32Array;
      const b = (await session.run({ input: new ort.Tensor("float32", copy, dims) })).logits!.data as Float32Array;
      expect(Array.from(a)).toEqual(Array.from(b));
    } finally {
      await session.release();
    }
  });

  it("accepts shapes beyond the profile's max (the input buffer grows)", async () => {
    const watched = await watchOrt();
    const e = engine();
    await e.load();
    await e.activate();
    await e.infer({ input: [8, 3, 96, 96] });
    await e.infer({ input: [1, 3, 32, 32] });
    await e.close();
    expect(watched.outputs).toEqual([
      { dims: [8, 1000], finite: true },
      { dims: [1, 1000], finite: true },
    ]);
  });
});

describe("onnxruntime engine: profile against the model's inputs", () => {
  it("refuses a profile that names the wrong input, a wrong dtype, or misses an input", async () => {
    const make = (profile: Scenario["profile"]) =>
      createOnnxRuntimeEngine(engineInit({ ...scenario(), profile }, "fp32", "scoped", fp32Path));
    const dims = { min: [1, 3, 32, 32], opt: [1, 3, 32, 32], max: [1, 3, 32, 32] };
    await expect(make({ image: { ...dims, dtype: "float32" } }).load()).rejects.toThrow(
      /profile input "image" is not an input of the model \(its inputs: input\)[\s\S]*model input "input" has no shape/,
    );
    await expect(make({ input: { ...dims, dtype: "float16" } }).load()).rejects.toThrow(
      /profile input "input" has dtype float16, but the model expects float32/,
    );
  });
});
