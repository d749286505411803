import { describe, expect, it } from "vitest";
import { quantile } from "simple-statistics";
import {
  compareThroughput,
  latencySummary,
  medianOrderCi,
  latencySummaryFromHistogram,
} from "../../src/analysis/throughput.js";
import { mulberry32, normalDeviate } from "../../src/analysis/stats/prng.js";
import type { RoundResult } from "../../src/results/types.js";

/** Interleaved rounds whose items/s drift together (a machine slowing down) plus per-round noise. */
function rounds(n: number, speed: number, noise: number, seed: number): RoundResult[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, (_, round) => {
    const drift = 1 - 0.02 * round; // shared by all strategies of the same round
    const itemsPerSecond = 100 * speed * drift * (1 + noise * normalDeviate(rng));
    return { round, iterations: 50, busyMs: (50 / itemsPerSecond) * 1000, itemsPerSecond };
  });
}

describe("compareThroughput", () => {
  it("claims faster / slower only when the whole interval is past the threshold", () => {
    const out = compareThroughput(
      {
        scoped: rounds(10, 1, 0.01, 1),
        persistent: rounds(10, 3, 0.01, 2),
        teardown: rounds(10, 0.5, 0.01, 3),
        "per-shape": rounds(10, 1.01, 0.01, 4),
      },
      "scoped",
    );
    const by = Object.fromEntries(out.map((c) => [c.strategy, c]));
    expect(by.persistent!.claim).toBe("faster");
    expect(by.persistent!.ratio).toBeCloseTo(3, 1);
    expect(by.teardown!.claim).toBe("slower");
    expect(by["per-shape"]!.claim).toBe("within-noise");
    for (const c of out) {
      expect(c.baseline).toBe("scoped");
      expect(c.rounds).toBe(10);
      expect(c.ratioCi[0]).toBeLessThanOrEqual(c.ratio);
      expect(c.ratio).toBeLessThanOrEqual(c.ratioCi[1]);
    }
    expect(out.map((c) => c.strategy)).not.toContain("scoped");
  });

  it("pairs rounds so a shared drift cancels (ratio stays near 2 although speeds fall 20 %)", () => {
    const [c] = compareThroughput({ scoped: rounds(11, 1, 0, 1), persistent: rounds(11, 2, 0, 2) }, "scoped");
    expect(c!.ratio).toBeCloseTo(2, 10);
    expect(c!.ratioCi[1] - c!.ratioCi[0]).toBeLessThan(1e-9);
  });

  it("stays within-noise when the noise is large, and says no-data below 2 rounds", () => {
    // Equal speeds under 10 % noise: a claim either way should be rare (< 10 % of seeds).
    let claims = 0;
    for (let seed = 0; seed < 40; seed++) {
      const [c] = compareThroughput(
        { scoped: rounds(6, 1, 0.1, 2 * seed), persistent: rounds(6, 1, 0.1, 2 * seed + 1) },
        "scoped",
        { seed },
      );
      if (c!.claim !== "within-noise") claims++;
    }
    expect(claims).toBeLessThan(4);
    const [none] = compareThroughput({ scoped: rounds(1, 1, 0, 1), persistent: rounds(1, 2, 0, 2) }, "scoped");
    expect(none!.claim).toBe("no-data");
    expect(none!.rounds).toBe(1);
    const [missing] = compareThroughput({ persistent: rounds(5, 2, 0, 2) }, "scoped");
    expect(missing!.claim).toBe("no-data");
  });

  it("is reproducible for a seed", () => {
    const data = { scoped: rounds(8, 1, 0.05, 1), persistent: rounds(8, 1.2, 0.05, 2) };
    expect(compareThroughput(data, "scoped", { seed: 3 })).toEqual(compareThroughput(data, "scoped", { seed: 3 }));
  });

  it("honours a custom threshold", () => {
    const data = { scoped: rounds(10, 1, 0.005, 1), persistent: rounds(10, 1.08, 0.005, 2) };
    expect(compareThroughput(data, "scoped")[0]!.claim).toBe("faster");
    expect(compareThroughput(data, "scoped", { threshold: 0.1 })[0]!.claim).toBe("within-noise");
  });
});

describe("medianOrderCi", () => {
  it("uses [min, max] for tiny samples and tightens with more data", () => {
    expect(medianOrderCi([3, 1, 2, 4], 0.95)).toEqual([1, 4]);
    const many = Array.from({ length: 100 }, (_, i) => i);
    const [lo, hi] = medianOrderCi(many, 0.95);
    // Known table value for n = 100: ranks 40 and 61 (1-based).
    expect([lo, hi]).toEqual([39, 60]);
  });
});

describe("latencySummary", () => {
  it("orders its figures and matches simple-statistics' quantiles", () => {
    const rng = mulberry32(7);
    const samples = Array.from({ length: 1001 }, () => Math.exp(1 + 0.5 * normalDeviate(rng)));
    const s = latencySummary(samples);
    expect(s.count).toBe(1001);
    expect(s.minMs).toBeLessThanOrEqual(s.p50Ms);
    expect(s.p50Ms).toBeLessThanOrEqual(s.p90Ms);
    expect(s.p90Ms).toBeLessThanOrEqual(s.p99Ms);
    expect(s.p99Ms).toBeLessThanOrEqual(s.maxMs);
    expect(s.p50Ms).toBe(quantile(samples, 0.5));
    expect(s.p99Ms).toBe(quantile(samples, 0.99));
    expect(s.meanMs).toBeCloseTo(samples.reduce((a, b) => a + b, 0) / samples.length, 9);
    expect(() => latencySummary([])).toThrow(RangeError);
  });

  it("reads percentiles from a histogram close to the exact ones", () => {
    const rng = mulberry32(8);
    const samples = Array.from({ length: 20000 }, () => 5 + 20 * rng());
    const edges = Array.from({ length: 101 }, (_, i) => i * 0.5);
    const counts = new Array(100).fill(0);
    for (const v of samples) counts[Math.floor(v / 0.5)]++;
    const h = latencySummaryFromHistogram(edges, counts);
    const exact = latencySummary(samples);
    expect(h.count).toBe(20000);
    expect(Math.abs(h.p50Ms - exact.p50Ms)).toBeLessThan(0.5);
    expect(Math.abs(h.p99Ms - exact.p99Ms)).toBeLessThan(0.5);
    expect(h.minMs).toBeLessThanOrEqual(exact.minMs);
    expect(h.maxMs).toBeGreaterThanOrEqual(exact.maxMs);
  });
});
