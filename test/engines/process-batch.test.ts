/**
 * Protocol 2 (docs/protocol.md "Batches"): negotiation in hello, runs of calls of mixed
 * shapes in one request timed by the worker, the worker's clock checked against ours, and
 * failures mid-batch (error reply, death) keeping the calls before them.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  createProcessEngine,
  type ProcessEngine,
  type ProcessEngineOptions,
} from "../../src/engines/process/engine.js";
import { ProtocolViolation, parseBatchTimes, parseFailedAt } from "../../src/engines/process/protocol.js";
import { engineInit } from "../../src/run/create-driver.js";
import { CallError, JsDriver } from "../../src/run/drivers.js";
import type { MarkBatch } from "../../src/run/protocol.js";
import { monotonicNs } from "../../src/run/strategy-loop.js";
import type { ProcessOptions, ShapeMap, StrategyName } from "../../src/scenarios/types.js";
import { processScenario } from "./process-fixtures.js";

const opened: ProcessEngine[] = [];
afterEach(async () => {
  for (const e of opened.splice(0)) await e.close();
});

function engine(
  proc: Partial<ProcessOptions> & { command: string[] },
  strategy: StrategyName = "persistent",
  opts: ProcessEngineOptions = {},
): ProcessEngine {
  const e = createProcessEngine(engineInit(processScenario(proc), "fp32", strategy, ""), { stderr: "quiet", ...opts });
  opened.push(e);
  return e;
}

const A = { input: [1, 3, 8, 8] };
const B = { input: [2, 3, 8, 8] };
const C = { input: [4, 3, 8, 8] };
/** 40 calls of three shapes in an irregular order. */
const MIXED: ShapeMap[] = Array.from({ length: 40 }, (_, k) => [A, B, A, C, B][(k * 7) % 5]!);

/** Runs the calls through the driver; returns every mark it reported, merged, and the error if any. */
async function drive(
  e: ProcessEngine,
  strategy: StrategyName,
  shapes: ShapeMap[],
  firstIndex = 0,
): Promise<{ marks: MarkBatch; error: unknown; t0: number; t1: number }> {
  const d = new JsDriver(e, strategy);
  await d.load();
  const marks: MarkBatch = { index: [], startNs: [], endNs: [], gpuMs: [], shape: [], stats: {} };
  const n0 = marks.index.length;
  let error: unknown;
  const t0 = monotonicNs();
  try {
    await d.runCalls(shapes, firstIndex, (b) => {
      const before = marks.index.length;
      marks.index.push(...b.index);
      marks.startNs.push(...b.startNs);
      marks.endNs.push(...b.endNs);
      marks.shape.push(...b.shape);
      for (const [k, v] of Object.entries(b.stats)) {
        marks.stats[k] ??= [];
        const col = marks.stats[k];
        while (col.length < before - n0) col.push(Number.NaN);
        col.push(...v);
      }
    });
  } catch (err) {
    error = err;
  }
  return { marks, error, t0, t1: monotonicNs() };
}

describe("protocol 2: negotiation and the clock", () => {
  it("the helper and the Node worker take version 2 when offered, and report CLOCK_MONOTONIC inside hello's window", async () => {
    for (const command of [
      ["python3", "good.py"],
      [process.execPath, "node_worker.mjs"],
    ]) {
      const e = engine({ command });
      await e.load();
      expect(e.protocol()).toBe(2);
      expect(e.canBatch()).toBe(true);
      expect(e.clockAlignment()).toEqual({ offsetNs: 0, shared: true, batches: 0, outsideWindow: 0 });
    }
  });

  it("version-1 workers keep working: offered 1 only, or a worker that speaks only 1, runs call by call", async () => {
    const cases: [string[], Record<string, string>, ProcessEngineOptions][] = [
      [["python3", "good.py"], {}, { maxProtocol: 1 }],
      [[process.execPath, "node_worker.mjs"], { NODE_WORKER_PROTOCOL: "1" }, {}],
    ];
    for (const [command, env, opts] of cases) {
      const e = engine({ command, env }, "persistent", opts);
      const { marks, error } = await drive(e, "persistent", MIXED.slice(0, 6));
      expect(error).toBeUndefined();
      expect(e.protocol()).toBe(1);
      expect(e.canBatch()).toBe(false);
      expect(e.clockAlignment()).toBeUndefined();
      expect(marks.index).toEqual([0, 1, 2, 3, 4, 5]);
    }
  });
});

describe("protocol 2: batches through the driver", () => {
  it("persistent: mixed shapes in batches, one mark per call with the worker's times inside our window and per-call stats", async () => {
    const e = engine({ command: ["python3", "good.py"], env: { FIXTURE_LEAK_BYTES: "100" } });
    const { marks, error, t0, t1 } = await drive(e, "persistent", MIXED, 100);
    expect(error).toBeUndefined();
    expect(marks.index).toEqual(MIXED.map((_, k) => 100 + k));
    expect(marks.shape).toEqual(MIXED.map((s) => `input:${s.input!.join("x")}`));
    // The helper read its figures after every call: the context grows by 100 bytes a call.
    expect(marks.stats.contextBytes).toEqual(MIXED.map((_, k) => 100 * (k + 1)));
    expect(marks.stats.activations).toEqual(MIXED.map(() => 1));
    for (let k = 0; k < MIXED.length; k++) {
      expect(marks.endNs[k]!).toBeGreaterThanOrEqual(marks.startNs[k]!);
      if (k > 0) expect(marks.startNs[k]!).toBeGreaterThanOrEqual(marks.endNs[k - 1]!);
    }
    expect(marks.startNs[0]!).toBeGreaterThanOrEqual(t0);
    expect(marks.endNs.at(-1)!).toBeLessThanOrEqual(t1);
    const clock = e.clockAlignment()!;
    expect(clock.batches).toBeGreaterThan(1); // batches grow from one call
    expect(clock.batches).toBeLessThan(MIXED.length);
    expect(clock.outsideWindow).toBe(0);
  });

  it("scoped: the worker activates and deactivates around every call of a batch", async () => {
    const e = engine({ command: ["python3", "good.py"] }, "scoped");
    const { marks, error } = await drive(e, "scoped", MIXED.slice(0, 12));
    expect(error).toBeUndefined();
    expect(marks.stats.activations).toEqual(Array.from({ length: 12 }, (_, k) => k + 1));
    expect(marks.stats.contextBytes).toEqual(Array.from({ length: 12 }, () => 0));
    // The context is inactive after the batch: a v1 activate is accepted again.
    await e.activate();
    await e.deactivate();
  });

  it("the Node worker (no vramgate code) runs batches of mixed shapes", async () => {
    const e = engine({ command: [process.execPath, "node_worker.mjs"] });
    const { marks, error } = await drive(e, "persistent", MIXED);
    expect(error).toBeUndefined();
    let held = 0;
    const expected = MIXED.map((s) => (held += s.input!.reduce((a, b) => a * b, 1)));
    expect(marks.stats.heldBytes).toEqual(expected);
    expect(e.clockAlignment()?.outsideWindow).toBe(0);
  });
});

describe("protocol 2: failures mid-batch", () => {
  it("a worker dying mid-batch: the calls before it are kept (progress journal), the fault is at the right call", async () => {
    const e = engine({ command: ["python3", "batch_faults.py"], env: { FIXTURE_DIE_AT: "9" } });
    // Batches of 1, 2, 4, 8 calls: the 9th call is the second of the fourth batch.
    const { marks, error } = await drive(e, "persistent", MIXED.slice(0, 20), 50);
    expect(error).toBeInstanceOf(CallError);
    const err = error as CallError;
    expect(err.index).toBe(58);
    expect(err.kind).toBe("errored");
    expect(err.message).toContain("worker exited with code 7 while waiting for the reply to batch");
    expect(marks.index).toEqual([50, 51, 52, 53, 54, 55, 56, 57]);
    for (let k = 0; k < 8; k++) expect(marks.endNs[k]!).toBeGreaterThanOrEqual(marks.startNs[k]!);
  });

  it("the same with the Node worker (journal written with writeSync)", async () => {
    const e = engine({ command: [process.execPath, "node_worker.mjs"], env: { NODE_WORKER_DIE_AT: "6" } });
    await e.load();
    await e.activate();
    const err = (await e.inferBatch(MIXED.slice(0, 10), "active").catch((x: unknown) => x)) as Error & {
      callsDone: { startNs: number[] };
    };
    expect(err.message).toContain("worker exited with code 7");
    expect(err.callsDone.startNs).toHaveLength(5);
  });

  it("an out-of-memory reply mid-batch keeps the calls before it, is an oom at that call, and the worker keeps serving", async () => {
    const e = engine({ command: ["python3", "batch_faults.py"], env: { FIXTURE_OOM_AT: "5" } });
    const { marks, error } = await drive(e, "persistent", MIXED.slice(0, 10));
    expect((error as CallError).kind).toBe("oom");
    expect((error as CallError).index).toBe(4);
    expect(marks.index).toEqual([0, 1, 2, 3]);
    expect(marks.stats.callsBytes).toEqual([1, 2, 3, 4]);
    const again = await e.inferBatch([A, C], "active");
    expect(again.startNs).toHaveLength(2);
    expect(again.stats?.elementsBytes).toEqual([192, 768]);
  });

  it("a batch in the wrong mode is refused by the lifecycle before it reaches the worker", async () => {
    const e = engine({ command: ["python3", "good.py"] });
    await e.load();
    await expect(e.inferBatch([A], "active")).rejects.toThrow(/inferBatch\(\) called in active mode before activate/);
    await e.activate();
    await expect(e.inferBatch([A], "scoped")).rejects.toThrow(/in scoped mode while a context is active/);
  });
});

describe("protocol 2: batch replies are validated", () => {
  it("takes per-call times and stats, and refuses wrong lengths, overlaps and a failedAt out of range", () => {
    expect(parseBatchTimes({ startNs: [1, 5], endNs: [4, 9], callStats: { aBytes: [1, 2] } }, 2)).toEqual({
      startNs: [1, 5],
      endNs: [4, 9],
      stats: { aBytes: [1, 2] },
    });
    expect(parseBatchTimes({}, 0)).toEqual({ startNs: [], endNs: [] });
    expect(() => parseBatchTimes({ startNs: [1], endNs: [2] }, 2)).toThrow(ProtocolViolation);
    expect(() => parseBatchTimes({ startNs: [1, 3], endNs: [4, 5] }, 2)).toThrow(/overlaps/);
    expect(() => parseBatchTimes({ startNs: [5], endNs: [4] }, 1)).toThrow(/ends before it starts/);
    expect(() => parseBatchTimes({ startNs: [1], endNs: [2], callStats: { aBytes: [-1] } }, 1)).toThrow(
      /callStats.aBytes/,
    );
    expect(parseFailedAt({ failedAt: 2 }, 3)).toBe(2);
    expect(parseFailedAt({}, 3)).toBe(0);
    expect(() => parseFailedAt({ failedAt: 3 }, 3)).toThrow(/below 3/);
  });
});
