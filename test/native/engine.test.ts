import { describe, expect, it } from "vitest";
import type {
  AddonNativeEngine,
  NativeCallError,
  NativeEngineConfig,
  NativeMarkBatch,
} from "../../src/native/AddonTypes.js";
import { addon, addonPath, exitOf, fixture, spawnNode, waitForLine } from "./helpers.js";

const MiB = 1024 * 1024;
const PROFILE: NativeEngineConfig["profile"] = [
  { name: "x", min: [1, 64], opt: [4, 64], max: [8, 64], dtype: "float32" },
];

async function hostEngine(config: NativeEngineConfig = {}): Promise<AddonNativeEngine> {
  const e = new (addon().NativeEngine)("host", { profile: PROFILE, ...config });
  await e.load();
  return e;
}

/** Runs shapes and gathers every mark, flattened. */
async function run(e: AddonNativeEngine, shapes: Array<Record<string, number[]>>, firstIndex: number) {
  const batches: NativeMarkBatch[] = [];
  const r = await e.runCalls(shapes, firstIndex, (b) => batches.push(b));
  const flat = (k: "index" | "startNs" | "endNs" | "gpuMs") => batches.flatMap((b) => Array.from(b[k]));
  const stat = (k: string) => batches.flatMap((b) => Array.from(b.stats[k] ?? []));
  return {
    r,
    batches,
    index: flat("index"),
    startNs: flat("startNs"),
    endNs: flat("endNs"),
    gpuMs: flat("gpuMs"),
    stat,
  };
}

const cycle = (n: number, sizes: number[]) =>
  Array.from({ length: n }, (_, i) => ({ x: [sizes[i % sizes.length]!, 64] }));

describe("NativeEngine (host engine) through the shared strategy loop", () => {
  // Expected context lifecycle per strategy for 2 rounds of 50 calls over 4 shapes, pool 2.
  const cases: Array<[string, { created: number; liveAfterRounds: number; liveAfterFinish: number }]> = [
    ["persistent", { created: 1, liveAfterRounds: 1, liveAfterFinish: 1 }],
    ["teardown", { created: 1, liveAfterRounds: 1, liveAfterFinish: 0 }],
    ["scoped", { created: 100, liveAfterRounds: 0, liveAfterFinish: 0 }],
    ["user-managed", { created: 1, liveAfterRounds: 1, liveAfterFinish: 0 }],
  ];
  for (const [strategy, want] of cases) {
    it(`${strategy}: contexts created ${want.created}, live ${want.liveAfterRounds} across rounds, ${want.liveAfterFinish} after finish`, async () => {
      const e = await hostEngine();
      expect(e.unsupported(strategy)).toBe("");
      e.begin(strategy, { perShapePoolSize: 2 });
      const r1 = await run(e, cycle(50, [1, 2, 4, 8]), 0);
      const r2 = await run(e, cycle(50, [1, 2, 4, 8]), 50);
      expect(r1.r.calls).toBe(50);
      expect(r2.r.calls).toBe(50);
      expect([...r1.index, ...r2.index]).toEqual(Array.from({ length: 100 }, (_, i) => i));
      const mid = e.memoryStats();
      expect(mid.contextsCreated).toBe(want.created);
      expect(mid.contextsLive).toBe(want.liveAfterRounds);
      // The marks carry the same figures, call by call.
      expect(r2.stat("contextsCreated").at(-1)).toBe(want.created);
      await e.finish();
      const end = e.memoryStats();
      expect(end.contextsLive).toBe(want.liveAfterFinish);
      if (strategy === "teardown") expect(end.hostContextBytes).toBe(0);
      if (strategy === "persistent") expect(end.hostContextBytes).toBe(8 * 64 * 4); // sized for the profile max
    });
  }

  it("per-shape: one context per shape, LRU pool bounded by perShapePoolSize, all released at finish", async () => {
    const e = await hostEngine();
    e.begin("per-shape", { perShapePoolSize: 2 });
    // Two shapes alternating fit the pool: 2 creations however many calls.
    const a = await run(e, cycle(40, [1, 2]), 0);
    expect(a.stat("contextsCreated").at(-1)).toBe(2);
    expect(Math.max(...a.stat("contextsLive"))).toBe(2);
    // Three shapes cycling through a pool of 2: every call misses, the pool never exceeds 2.
    const b = await run(e, cycle(30, [1, 2, 4]), 40);
    // Shapes 1 and 2 were still pooled for the first two calls; every later call misses.
    expect(b.stat("contextsCreated").at(-1)).toBe(2 + 28);
    expect(Math.max(...b.stat("contextsLive"))).toBe(2);
    expect(e.memoryStats().hostContextBytes).toBe((2 + 4) * 64 * 4);
    await e.finish();
    expect(e.memoryStats()).toMatchObject({ contextsLive: 0, hostContextBytes: 0 });
  });

  it("marks: monotonic, non-overlapping, in batches, on the shared clock", async () => {
    const a = addon();
    const e = await hostEngine({ options: { matmulSize: "32" } });
    e.begin("scoped");
    const t0 = a.monotonicNs();
    const m = await run(e, cycle(300, [8]), 1000);
    const t1 = a.monotonicNs();
    expect(m.index[0]).toBe(1000);
    expect(m.batches.length).toBeGreaterThanOrEqual(Math.ceil(300 / 64));
    for (const b of m.batches) expect(b.index.length).toBeLessThanOrEqual(64);
    for (let i = 0; i < m.index.length; i++) {
      expect(m.endNs[i]!).toBeGreaterThan(m.startNs[i]!);
      if (i > 0) {
        expect(m.index[i]).toBe(m.index[i - 1]! + 1);
        expect(m.startNs[i]!).toBeGreaterThanOrEqual(m.endNs[i - 1]!);
      }
    }
    expect(m.startNs[0]!).toBeGreaterThanOrEqual(t0);
    expect(m.endNs.at(-1)!).toBeLessThanOrEqual(t1);
    expect(m.gpuMs.every((g) => Number.isNaN(g))).toBe(true); // no GPU: not measured
    await e.finish();
  });

  it("runs off the JS thread: timers fire while a long runCalls is in flight", async () => {
    const e = await hostEngine({ options: { matmulSize: "128" } });
    e.begin("persistent");
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    await run(e, cycle(400, [8]), 0);
    clearInterval(timer);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThan(30);
    expect(ticks).toBeGreaterThan(elapsed / 5 / 4);
  });

  it("a planted host leak grows RSS and hostLeakedBytes by the planted amount", async () => {
    const e = await hostEngine({ faults: { leakBytesPerIteration: MiB } });
    e.begin("persistent");
    await run(e, cycle(4, [8]), 0); // warm-up: context and first pages
    const rss0 = process.memoryUsage().rss;
    const m = await run(e, cycle(64, [8]), 4);
    const rss1 = process.memoryUsage().rss;
    const leaked = m.stat("hostLeakedBytes");
    expect(leaked.at(-1)).toBe(68 * MiB);
    expect(leaked[1]! - leaked[0]!).toBe(MiB);
    expect(rss1 - rss0).toBeGreaterThan(56 * MiB);
  });

  it("retainOutputsEvery keeps every Nth call's output alive", async () => {
    const e = await hostEngine({ faults: { retainOutputsEvery: 10 } });
    e.begin("scoped");
    const m = await run(e, cycle(100, [8]), 0);
    expect(m.stat("hostRetainedBytes").at(-1)).toBe(10 * 8 * 64 * 4);
  });

  it("an engine failure rejects with kind 'error' and the failing call's index; earlier marks arrived", async () => {
    const e = await hostEngine({ options: { failAtCall: "7" } });
    e.begin("scoped");
    const marks: number[] = [];
    const err = (await e
      .runCalls(cycle(20, [1]), 100, (b) => marks.push(...b.index))
      .catch((x) => x)) as NativeCallError;
    expect(err).toBeInstanceOf(Error);
    expect(err.kind).toBe("error");
    expect(err.index).toBe(107);
    expect(err.message).toContain("planted failure");
    expect(marks).toEqual(Array.from({ length: 7 }, (_, i) => 100 + i));
    expect(e.memoryStats().contextsLive).toBe(0); // the failed call's scoped context was released
  });

  it("running out of the engine's memory rejects with kind 'oom' at the call that hit it", async () => {
    // Budget 10 MiB, the context takes 2 KiB, each call leaks 1 MiB: call 9 cannot allocate.
    const e = await hostEngine({
      faults: { leakBytesPerIteration: MiB },
      options: { capacityBytes: String(10 * MiB) },
    });
    e.begin("persistent");
    const err = (await e.runCalls(cycle(50, [8]), 0, () => {}).catch((x) => x)) as NativeCallError;
    expect(err.kind).toBe("oom");
    expect(err.index).toBe(9);
  });

  it("an exception thrown by onMarks stops the loop and rejects with that exception", async () => {
    const e = await hostEngine();
    e.begin("persistent");
    const boom = new TypeError("boom from onMarks");
    let seen = 0;
    const err = await e
      .runCalls(cycle(5000, [8]), 0, (b) => {
        seen += b.index.length;
        throw boom;
      })
      .catch((x) => x);
    expect(err).toBe(boom);
    expect(seen).toBeLessThanOrEqual(64);
    expect(e.memoryStats().contextsCreated).toBe(1);
  });

  it("misuse is refused with clear errors", async () => {
    const A = addon();
    expect(() => new A.NativeEngine("cuda-magic", {})).toThrow(/unknown native engine kind "cuda-magic"/);
    expect(
      () => new A.NativeEngine("host", { profile: [{ name: "x", min: [1], opt: [0], max: [1], dtype: "float32" }] }),
    ).toThrow(/config\.profile\[0\]\.opt\[0\]/);
    expect(() => new A.NativeEngine("host", { device: "0" as unknown as number })).toThrow(TypeError);
    const probe = A.probe();
    for (const kind of ["libtorch", "tensorrt"] as const) {
      if (!probe.engines[kind].built)
        expect(() => new A.NativeEngine(kind, {})).toThrow(new RegExp(`${kind} engine not built into this addon`));
    }
    const e = new A.NativeEngine("host", {});
    expect(() => e.begin("persistent")).toThrow(/load\(\) first/);
    const loading = e.load();
    expect(() => e.memoryStats()).toThrow(/still running/);
    await loading;
    expect(() => e.begin("sometimes")).toThrow(RangeError);
    expect(() => e.unsupported("sometimes")).toThrow(RangeError);
    // Misuse throws synchronously; only call failures reject.
    expect(() => e.runCalls([{ x: [1] }], 0, () => {})).toThrow(/begin\(strategy\) first/);
    e.begin("teardown");
    expect(() => e.runCalls([{ x: [0] }], 0, () => {})).toThrow(/shapes\[0\]\.x\[0\]/);
    expect(() => e.runCalls([{ x: [1] }], 0, "no" as unknown as () => void)).toThrow(TypeError);
    expect(() => e.begin("scoped")).toThrow(/finish\(\) first/);
    expect(e.versions()).toEqual({ host: "1" });
    expect(e.kind).toBe("host");
  });

  it("process.exit during a long runCalls ends the process promptly", async () => {
    const started = Date.now();
    const child = spawnNode([fixture("exit-with-running.cjs"), addonPath(), "engine-exit"]);
    const line = await waitForLine(child, /^leaving/);
    expect(await exitOf(child)).toBe(0);
    expect(Number(/after (\d+)/.exec(line)![1])).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(30_000); // not waiting for the long runCalls to finish
  });
});
