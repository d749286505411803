import { describe, expect, it } from "vitest";
import { LatencyHistogram } from "../../src/run/latency-histogram.js";

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe("LatencyHistogram", () => {
  it("percentiles are within 1 % of the exact ones and ordered", () => {
    const h = new LatencyHistogram();
    const xs: number[] = [];
    let seed = 7;
    for (let i = 0; i < 50_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const ms = 0.05 + (seed / 2 ** 31) ** 3 * 400; // skewed, 0.05..400 ms
      xs.push(ms);
      h.add(ms);
    }
    xs.sort((a, b) => a - b);
    const s = h.summary()!;
    expect(s.count).toBe(xs.length);
    for (const [q, got] of [
      [0.5, s.p50Ms],
      [0.9, s.p90Ms],
      [0.99, s.p99Ms],
    ] as const) {
      const want = exactQuantile(xs, q);
      expect(Math.abs(got - want) / want).toBeLessThan(0.011);
    }
    expect(s.minMs).toBeLessThanOrEqual(s.p50Ms);
    expect(s.p50Ms).toBeLessThanOrEqual(s.p90Ms);
    expect(s.p90Ms).toBeLessThanOrEqual(s.p99Ms);
    expect(s.p99Ms).toBeLessThanOrEqual(s.maxMs);
  });

  it("has no summary before any call, and ignores negative or NaN latencies", () => {
    const h = new LatencyHistogram();
    expect(h.summary()).toBeUndefined();
    h.add(Number.NaN);
    h.add(-1);
    expect(h.count).toBe(0);
    h.add(3);
    expect(h.summary()).toMatchObject({ count: 1, minMs: 3, maxMs: 3, p50Ms: 3 });
  });
});
