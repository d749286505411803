import { describe, expect, it } from "vitest";
import { addon, addonPath, exitOf, fixture, sleep, spawnNode, waitForLine } from "./helpers.js";

const MiB = 1024 * 1024;

function median(xs: ArrayLike<number>): number {
  const s = Array.from(xs)
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

describe("native sampler", () => {
  it("samples this process at 1 ms: monotonic tNs, RSS > 0, NVML figures NaN without a GPU", async () => {
    const a = addon();
    const hasNvml = a.probe().nvml.found;
    const s = new a.Sampler({ intervalMs: 1 });
    s.setPids([process.pid]);
    const t0 = a.monotonicNs();
    s.start();
    expect(s.running).toBe(true);
    await sleep(300);
    s.stop();
    const t1 = a.monotonicNs();
    expect(s.running).toBe(false);
    const d = s.drain();
    const st = s.stats();
    const n = d.tNs.length;
    expect(n).toBe(st.samples); // nothing dropped at this capacity
    expect(st.overruns).toBe(0);
    for (const col of [d.gpuProcessBytes, d.deviceUsedBytes, d.rssBytes]) expect(col.length).toBe(n);
    for (let i = 1; i < n; i++) expect(d.tNs[i]!).toBeGreaterThan(d.tNs[i - 1]!);
    expect(d.tNs[0]!).toBeGreaterThanOrEqual(t0 - 1000);
    expect(d.tNs[n - 1]!).toBeLessThanOrEqual(t1 + 1000);
    for (const r of d.rssBytes) expect(r).toBeGreaterThan(0);
    if (!hasNvml) {
      expect(s.nvml).toBe(false);
      expect(d.gpuProcessBytes.every((x) => Number.isNaN(x))).toBe(true);
      expect(d.deviceUsedBytes.every((x) => Number.isNaN(x))).toBe(true);
      expect(Number.isNaN(d.deviceTotalBytes)).toBe(true);
    }
    // An invariant, not a performance target: even a loaded 2-core CI box keeps > 200 Hz.
    expect(st.achievedHz).toBeGreaterThan(200);
    expect(st.meanPeriodUs).toBeGreaterThan(900); // absolute deadlines: never faster than asked
    expect(st.maxPeriodUs).toBeGreaterThanOrEqual(st.meanPeriodUs);
    expect(n).toBeGreaterThan(60);
    // The stats agree with the timestamps they describe.
    const spanUs = (d.tNs[n - 1]! - d.tNs[0]!) / 1e3;
    expect(st.meanPeriodUs).toBeCloseTo(spanUs / (n - 1), 3);
    // Drained means cleared.
    expect(s.drain().tNs.length).toBe(0);
  });

  it("sees a 64 MiB host allocation in a watched child's rssBytes", async () => {
    const a = addon();
    const child = spawnNode([fixture("alloc-child.cjs"), "64"]);
    try {
      await waitForLine(child, /^ready/);
      const s = new a.Sampler({ intervalMs: 1 });
      s.setPids([child.pid!]);
      s.start();
      await sleep(100);
      const before = s.drain();
      child.stdin!.write("alloc\n");
      await waitForLine(child, /^allocated/);
      await sleep(100);
      const after = s.drain();
      s.stop();
      const grew = median(after.rssBytes.subarray(-50)) - median(before.rssBytes);
      expect(grew).toBeGreaterThan(60 * MiB);
      expect(grew).toBeLessThan(96 * MiB);
      // The child alone is watched: its RSS is far below this test process's.
      expect(median(before.rssBytes)).toBeGreaterThan(0);
    } finally {
      child.stdin!.write("exit\n");
      await exitOf(child);
    }
  });

  it("sums RSS over several PIDs and follows setPids while running", async () => {
    const a = addon();
    const child = spawnNode([fixture("alloc-child.cjs"), "1"]);
    try {
      await waitForLine(child, /^ready/);
      const s = new a.Sampler({ intervalMs: 1 });
      s.setPids([child.pid!]);
      s.start();
      await sleep(50);
      const one = median(s.drain().rssBytes);
      s.setPids([child.pid!, process.pid]);
      await sleep(50);
      const both = s.drain().rssBytes;
      s.stop();
      const mine = process.memoryUsage().rss;
      // The last samples include this process too (tolerance: RSS moves while we run).
      expect(median(both.subarray(-10)) - one).toBeGreaterThan(mine * 0.5);
    } finally {
      child.stdin!.write("exit\n");
      await exitOf(child);
    }
  });

  it("a dead PID gives NaN, not a stale value", async () => {
    const a = addon();
    const child = spawnNode([fixture("alloc-child.cjs"), "1"]);
    await waitForLine(child, /^ready/);
    const s = new a.Sampler({ intervalMs: 1 });
    s.setPids([child.pid!]);
    s.start();
    await sleep(30);
    child.stdin!.write("exit\n");
    await exitOf(child);
    await sleep(30);
    s.stop();
    const d = s.drain();
    expect(d.rssBytes[0]!).toBeGreaterThan(0);
    expect(Number.isNaN(d.rssBytes[d.rssBytes.length - 1]!)).toBe(true);
  });

  it("a full ring drops the oldest samples and counts them", async () => {
    const a = addon();
    const s = new a.Sampler({ intervalMs: 1, capacity: 16 });
    s.setPids([process.pid]);
    s.start();
    await sleep(100);
    s.stop();
    const st = s.stats();
    const d = s.drain();
    expect(d.tNs.length).toBe(16);
    expect(st.overruns).toBe(st.samples - 16);
    expect(st.overruns).toBeGreaterThan(0);
    // What is kept is the newest: it ends near now.
    expect(a.monotonicNs() - d.tNs[15]!).toBeLessThan(50e6);
  });

  it("start() after stop() resumes with fresh stats; stop() twice is harmless", async () => {
    const a = addon();
    const s = new a.Sampler({ intervalMs: 2 });
    s.start();
    await sleep(40);
    s.stop();
    s.stop();
    const first = s.stats().samples;
    s.start();
    await sleep(40);
    s.stop();
    expect(first).toBeGreaterThan(5);
    expect(s.stats().samples).toBeLessThan(first + 30);
    expect(s.drain().tNs.length).toBeGreaterThan(first);
  });

  it("rejects bad options and PIDs with TypeError/RangeError naming the field", () => {
    const a = addon();
    expect(() => new a.Sampler({ intervalMs: 0 })).toThrow(RangeError);
    expect(() => new a.Sampler({ intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => new a.Sampler({ capacity: 2 })).toThrow(/capacity/);
    expect(() => new a.Sampler({ device: -1 })).toThrow(/device/);
    expect(() => new a.Sampler({ intervalMs: "1" as unknown as number })).toThrow(TypeError);
    const s = new a.Sampler();
    expect(() => s.setPids([0])).toThrow(/pids\[0\]/);
    expect(() => s.setPids("1" as unknown as number[])).toThrow(TypeError);
  });

  it("a running sampler does not keep the process alive nor hang its exit", async () => {
    const started = Date.now();
    const child = spawnNode([fixture("exit-with-running.cjs"), addonPath(), "sampler-natural"]);
    const line = await waitForLine(child, /^leaving/);
    expect(await exitOf(child)).toBe(0);
    expect(Number(/after (\d+)/.exec(line)![1])).toBeGreaterThan(10);
    expect(Date.now() - started).toBeLessThan(30_000); // a sampler that held the process would never let it exit
  });
});
