import { describe, expect, it } from "vitest";
import { analyzeLeak } from "../../src/analysis/leak.js";
import { attributeShapes, replayCheck, shapeStatsOfTrace, shapeTax } from "../../src/analysis/shape.js";
import { HOST_MIN_GROWTH_BYTES, leakOptionsFor } from "../../src/analysis/analyze-results.js";
import type { ResultsFile } from "../../src/results/types.js";
import { KiB, MiB, synthShapedTrace, type ShapedSynthSpec } from "../../src/analysis/synth.js";

function judge(spec: ShapedSynthSpec, ctx: Parameters<typeof attributeShapes>[3] = {}) {
  const tr = synthShapedTrace(spec);
  const whole = analyzeLeak(tr);
  const stats = shapeStatsOfTrace(tr, "used_bytes");
  return {
    whole,
    stats,
    ...attributeShapes(whole, stats, "used_bytes", { currentBytes: tr.value[tr.value.length - 1]!, ...ctx }),
  };
}

describe("shape attribution", () => {
  it("calls growth only at new shapes shape-growth, not leak, with its per-shape rate", () => {
    for (const seed of [1, 2, 3]) {
      const r = judge({ arrival: "often", calls: 667, replayCalls: 333, seed });
      expect(r.leak.verdict).toBe("shape-growth");
      expect(r.attribution.reason).toBe("new-shapes-only");
      // 256 KiB per shape plus the max-shape buffer's share: the CI holds 256 KiB or more.
      expect(r.attribution.bytesPerNewShapeCi[1]).toBeGreaterThanOrEqual(256 * KiB);
      expect(r.attribution.repeat!.verdict).not.toBe("leak");
    }
  });

  it("finds a 64 KiB/call leak on top of shape growth, rated per repeat call", () => {
    const r = judge({ arrival: "often", calls: 667, replayCalls: 333, seed: 5, leakBytesPerCall: 64 * KiB });
    expect(r.leak.verdict).toBe("leak");
    expect(r.attribution.reason).toBe("repeat-growth");
    expect(r.leak.slopeCi[0]).toBeLessThanOrEqual(64 * KiB);
    expect(r.leak.slopeCi[1]).toBeGreaterThanOrEqual(64 * KiB);
    expect(r.leak.explanation).toMatch(/on shapes already seen/);
  });

  it("does not accuse on few repeat calls: inconclusive until replay decides", () => {
    const r = judge({ arrival: "often", calls: 1000, replayCalls: 0, seed: 9, leakBytesPerCall: 64 * KiB });
    expect(r.stats.repeatCalls).toBeLessThan(60);
    expect(r.leak.verdict).toBe("inconclusive");
    expect(r.attribution.reason).toBe("repeats-undecided");
    expect(r.leak.moreIterationsNeeded).toBeGreaterThan(0);
  });

  it("leaves a trace without new shapes to the whole series", () => {
    const r = judge({ arrival: "rarely", calls: 1000, replayCalls: 0, seed: 4, noiseBytes: 0 });
    // 24 shapes all arrive early; those few events do not change the whole-series verdict.
    expect(["flat", "plateau", "shape-growth"]).toContain(r.leak.verdict);
  });

  it("projects the bound against the capacity: fits, or the number of shapes to out of memory", () => {
    const spec: ShapedSynthSpec = { arrival: "often", calls: 667, replayCalls: 333, seed: 1 };
    const roomy = judge(spec, { allowedShapes: { count: 4096, exact: true }, capacityBytes: 140 * 1024 * MiB });
    expect(roomy.attribution.bound!.fits).toBe(true);
    expect(roomy.attribution.bound!.remainingShapes).toBe(4096 - roomy.stats.distinctShapes);
    expect(roomy.leak.explanation).toMatch(/fits/);
    const tight = judge(spec, { allowedShapes: { count: 1_000_000, exact: false }, capacityBytes: 4 * 1024 * MiB });
    expect(tight.attribution.bound!.fits).toBe(false);
    expect(tight.attribution.bound!.shapesToOom).toBeGreaterThan(0);
    expect(tight.leak.explanation).toMatch(/would run out of memory after/);
  });

  it("prices the dynamic-shape tax: first-seen calls slower, with a CI", () => {
    const r = judge({ arrival: "often", calls: 667, replayCalls: 333, seed: 2 });
    const tax = shapeTax(r.stats, r.attribution);
    expect(tax.newShapeLatencyMs!.p50).toBeGreaterThan(tax.repeatLatencyMs!.p50);
    expect(tax.latencyRatioCi![0]).toBeGreaterThan(10); // 60 ms vs 2 ms calls
    expect(tax.latencyRatioCi![0]).toBeLessThanOrEqual(tax.latencyRatio!);
    expect(tax.latencyRatioCi![1]).toBeGreaterThanOrEqual(tax.latencyRatio!);
    expect(tax.bytesPerNewShape).toBe(r.attribution.bytesPerNewShape);
  });
});

describe("replay test of a leak", () => {
  const MiB2 = 1024 * 1024;
  const series = (n: number, f: (i: number) => number) => ({
    iteration: Array.from({ length: n }, (_, i) => i),
    value: Array.from({ length: n }, (_, i) => f(i)),
  });

  it("keeps a leak that keeps growing during replay", () => {
    const s = series(300, (i) => 1000 * MiB2 + i * 256 * KiB);
    const whole = analyzeLeak(s);
    expect(whole.verdict).toBe("leak");
    expect(replayCheck(whole, s, 200).verdict).toBe("leak");
  });

  it("withdraws a leak whose growth stopped once only seen shapes were fed", () => {
    // Grows 256 KiB/call for 200 calls, then flat through 100 replay calls.
    const s = series(300, (i) => 1000 * MiB2 + Math.min(i, 200) * 256 * KiB);
    const whole = analyzeLeak(s, { warmupIterations: 0 });
    const fake = { ...whole, verdict: "leak" as const, slopeBytesPerIteration: 256 * KiB };
    const r = replayCheck(fake, s, 200);
    expect(r.verdict).toBe("inconclusive");
    expect(r.explanation).toMatch(/not while replaying seen shapes/);
  });

  it("host memory needs 4 MiB of growth; device memory 1 MiB", () => {
    const file = {
      environment: {
        gpus: [{ index: 0, name: "g", totalBytes: 80 * 1024 * MiB2 }],
        totalMemoryBytes: 24 * 1024 * MiB2,
      },
    } as unknown as ResultsFile;
    expect(leakOptionsFor(file, "rssBytes").minGrowthBytes).toBe(HOST_MIN_GROWTH_BYTES);
    expect(leakOptionsFor(file, "gpuProcessBytes").minGrowthBytes).toBeUndefined();
    // 1.7 MiB over 180 calls of host RSS (the default scenario's false alarm) is not a leak.
    const creep = series(180, (i) => 270 * MiB2 + i * 9.7 * KiB);
    expect(analyzeLeak(creep, leakOptionsFor(file, "rssBytes")).verdict).not.toBe("leak");
  });
});
