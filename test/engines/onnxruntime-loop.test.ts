/**
 * The onnxruntime engine under the real JS strategy loop and engine factory: each
 * supported strategy completes calls over changing shapes; unsupported ones are refused.
 */
import { engineInit } from "../../src/run/create-driver.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOnnxRuntimeEngine } from "../../src/engines/onnxruntime/engine.js";
import { ensureModel } from "../../src/models/cache.js";
import { JsDriver } from "../../src/run/drivers.js";
import type { MarkBatch } from "../../src/run/protocol.js";
import { JsStrategyLoop, monotonicNs } from "../../src/run/strategy-loop.js";
import type { Scenario, StrategyName } from "../../src/scenarios/types.js";

let dir: string;
let modelPath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vramgate-ort-loop-"));
  modelPath = (await ensureModel({ arch: "resnet18", seed: 2 }, dir)).path;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function scenario(): Scenario {
  return {
    file: join(dir, "s.yaml"),
    name: "loop",
    model: { kind: "generate", arch: "resnet18", seed: 2 },
    engine: "onnxruntime",
    precisions: ["fp32"],
    profile: { input: { min: [1, 3, 32, 32], opt: [2, 3, 48, 48], max: [2, 3, 64, 64], dtype: "float32" } },
    sequences: [{ kind: "cycle", label: "cycle" }],
    strategies: ["persistent", "teardown", "scoped"],
    baseline: "scoped",
    run: { warmup: 0, iterations: 6, rounds: 1, maxDurationS: 60, seed: 3, watchdogS: 30, replay: 0, confirm: false },
    memory: { intervalMs: 1, device: 0 },
    gate: { leak: "fail", shapeGrowth: "off", allow: {}, minSpeedup: {} },
    faults: {},
    onnxruntime: { executionProvider: "cpu", intraOpThreads: 1 },
    tensorrt: { allocationStrategy: "static", cudaGraph: false, perShapePoolSize: 4 },
    libtorch: { cudaGraph: false, perShapePoolSize: 4, env: {} },
  };
}

describe.each([["persistent"], ["teardown"], ["scoped"]] as Array<[StrategyName]>)("strategy %s", (strategy) => {
  it("runs calls over changing shapes with increasing, non-overlapping marks", async () => {
    const engine = createOnnxRuntimeEngine(engineInit(scenario(), "fp32", strategy, modelPath));
    await engine.load();
    const loop = new JsStrategyLoop(engine, strategy);
    const shapes = [
      [1, 3, 32, 32],
      [2, 3, 48, 48],
      [2, 3, 64, 64],
    ];
    let lastEnd = 0;
    for (let i = 0; i < 6; i++) {
      const mark = await loop.call(i, { input: shapes[i % 3]! });
      expect(mark.index).toBe(i);
      expect(mark.startNs).toBeGreaterThanOrEqual(lastEnd);
      expect(mark.endNs).toBeGreaterThan(mark.startNs);
      expect(mark.stats).toEqual({});
      lastEnd = mark.endNs;
    }
    await loop.finish();
    // Whatever the strategy left active, close() releases it; a later activate works again.
    await engine.close();
    await engine.load();
    await engine.activate();
    await engine.infer({ input: [1, 3, 32, 32] });
    await engine.close();
  });
});

describe.each([["persistent"], ["scoped"]] as Array<[StrategyName]>)("batches, strategy %s", (strategy) => {
  it("the driver runs the calls as engine batches: one mark per call, in order, each inside the run's window", async () => {
    const engine = createOnnxRuntimeEngine(engineInit(scenario(), "fp32", strategy, modelPath));
    const driver = new JsDriver(engine, strategy);
    await driver.load();
    expect(engine.canBatch?.()).toBe(true);
    const shapes = Array.from({ length: 7 }, (_, k) => ({ input: [1 + (k % 2), 3, 32 + 16 * (k % 3), 32] }));
    const marks: MarkBatch[] = [];
    const t0 = monotonicNs();
    await driver.runCalls(shapes, 10, (b) => marks.push(b));
    const t1 = monotonicNs();
    const index = marks.flatMap((b) => b.index);
    const start = marks.flatMap((b) => b.startNs);
    const end = marks.flatMap((b) => b.endNs);
    expect(index).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(marks.flatMap((b) => b.shape)).toEqual(shapes.map((s) => `input:${s.input.join("x")}`));
    expect(start[0]!).toBeGreaterThanOrEqual(t0);
    expect(end[6]!).toBeLessThanOrEqual(t1);
    for (let k = 0; k < 7; k++) {
      expect(end[k]!).toBeGreaterThan(start[k]!);
      if (k) expect(start[k]!).toBeGreaterThanOrEqual(end[k - 1]!);
    }
    await driver.finish();
    await driver.close();
  });
});

describe("factory", () => {
  it("builds an onnxruntime driver for supported strategies and refuses per-shape", async () => {
    const { createDriver } = await import("../../src/run/create-driver.js");
    const s = scenario();
    const run = { key: "loop/cycle/fp32", scenario: s, sequence: s.sequences[0]!, precision: "fp32" as const };
    const driver = await createDriver(run, "scoped", modelPath);
    await driver.load();
    expect(driver.versions().onnxruntime).toMatch(/^\d+\.\d+/);
    await driver.close();
    await expect(createDriver(run, "per-shape", modelPath)).rejects.toThrow(/per-shape/);
  });
});
