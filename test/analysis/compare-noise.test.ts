import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { coefficientOfVariation, compareResults, comparisonCounts } from "../../src/analysis/compare.js";
import { evaluateGates } from "../../src/analysis/gates.js";
import { readResultsFile } from "../../src/results/read.js";
import type { ResultsFile } from "../../src/results/types.js";

const FIX = join(import.meta.dirname, "../fixtures/results");
const base = readResultsFile(join(FIX, "clean-pass.json"));
const KEY = "resnet-cpu/cycle/fp32";

/** A copy of the base with persistent's rounds and memory changed. */
function head(change: { rate?: (x: number, round: number) => number; peak?: number; level?: number }): ResultsFile {
  const f = structuredClone(base);
  f.runId = "head";
  const p = f.runs.find((r) => r.key === KEY)!.strategies.find((s) => s.strategy === "persistent")!;
  if (change.rate) p.rounds = p.rounds.map((r, k) => ({ ...r, itemsPerSecond: change.rate!(r.itemsPerSecond, k) }));
  if (change.peak) p.peakBytes[p.primarySignal] = p.peakBytes[p.primarySignal]! * change.peak;
  if (change.level) {
    const sig = p.series.signals[p.primarySignal]!;
    sig.max = sig.max.map((x) => x * change.level!);
  }
  return f;
}

const persistent = (c: ReturnType<typeof compareResults>) =>
  c.strategies.find((s) => s.run === KEY && s.strategy === "persistent")!;

describe("compare: inconclusive when a run is too noisy to decide", () => {
  it("a steady 50 % drop is a regression; the same drop with rounds varying by ~40 % is inconclusive, saying why", () => {
    const steady = compareResults(base, head({ rate: (x) => x * 0.5 }));
    expect(persistent(steady).throughput.claim).toBe("regression");
    expect(persistent(steady).throughput.cv!.head).toBeLessThan(0.1);

    const noisy = compareResults(base, head({ rate: (x, k) => x * (k % 2 ? 0.3 : 0.7) }));
    const t = persistent(noisy).throughput;
    expect(t.claim).toBe("inconclusive");
    expect(t.cv!.head).toBeGreaterThan(0.3);
    expect(t.reason).toMatch(
      /head rounds vary by \d+ % \(CV of items\/s; limit 10 %\): too noisy to call a regression/,
    );
    expect(comparisonCounts(noisy).inconclusive).toBe(1);
    expect(comparisonCounts(noisy).regressions).toBe(0);

    // The gate warns (never fails) and says inconclusive.
    const gates = evaluateGates(head({ rate: (x, k) => x * (k % 2 ? 0.3 : 0.7) }), { baselineFile: base });
    const g = gates.find((o) => o.gate === "regression" && o.run === KEY && o.strategy === "persistent")!;
    expect(g.status).toBe("warn");
    expect(g.message).toContain(": inconclusive: rounds vary by");

    // A looser limit lets the claim through.
    expect(
      persistent(compareResults(base, head({ rate: (x, k) => x * (k % 2 ? 0.3 : 0.7) }), { maxCv: 1 })).throughput
        .claim,
    ).toBe("regression");
  });

  it("a noisy run that shows no change stays within noise (nothing to decide)", () => {
    const c = compareResults(base, head({ rate: (x, k) => x * (k % 2 ? 0.8 : 1.2) }));
    expect(persistent(c).throughput.claim).toBe("within-noise");
  });

  it("memory: a higher peak with the typical level unchanged is one spike (inconclusive); a raised level is an increase", () => {
    const spike = persistent(compareResults(base, head({ peak: 1.3 }))).peakMemory;
    expect(spike.claim).toBe("inconclusive");
    expect(spike.reason).toMatch(/one spike, not a new level/);
    const g = evaluateGates(head({ peak: 1.3 }), { baselineFile: base }).find(
      (o) => o.gate === "memory-increase" && o.run === KEY && o.strategy === "persistent",
    )!;
    expect(g.status).toBe("warn");
    expect(g.message).toContain("inconclusive");

    const level = persistent(compareResults(base, head({ peak: 1.3, level: 1.3 }))).peakMemory;
    expect(level.claim).toBe("increase");
    const g2 = evaluateGates(head({ peak: 1.3, level: 1.3 }), { baselineFile: base }).find(
      (o) => o.gate === "memory-increase" && o.run === KEY && o.strategy === "persistent",
    )!;
    expect(g2.status).toBe("fail");
  });

  it("coefficientOfVariation: sample sd ÷ mean", () => {
    expect(coefficientOfVariation([10, 10, 10])).toBe(0);
    expect(coefficientOfVariation([1])).toBe(0);
    expect(coefficientOfVariation([8, 12])).toBeCloseTo((Math.SQRT2 * 2) / 10, 10);
  });
});

describe("leak gate: inconclusive when the growth is not established", () => {
  const leaky = readResultsFile(join(FIX, "leak-persistent.json"));
  const persistentOf = (f: ResultsFile) => f.runs[0]!.strategies.find((s) => s.strategy === "persistent")!;
  const leakGate = (f: ResultsFile) =>
    evaluateGates(f).find((o) => o.gate === "leak" && o.strategy === "persistent" && o.message.includes(" leak"))!;

  it("a clear leak still fails", () => {
    expect(leakGate(leaky).status).toBe("fail");
  });

  it("a slope whose 95 % CI starts under a quarter of the estimate warns, inconclusive", () => {
    const f = structuredClone(leaky);
    const a = persistentOf(f).analysis!.leak[persistentOf(f).primarySignal]!;
    a.slopeCi = [a.slopeBytesPerIteration * 0.03, a.slopeBytesPerIteration * 1.4];
    const g = leakGate(f);
    expect(g.status).toBe("warn");
    expect(g.message).toMatch(/inconclusive: the slope's 95 % CI starts at 3 % of its estimate/);
  });

  it("growth under twice the series' own wander around its trend warns, inconclusive", () => {
    const f = structuredClone(leaky);
    const s = persistentOf(f);
    const a = s.analysis!.leak[s.primarySignal]!;
    const sig = s.series.signals[s.primarySignal]!;
    const span = s.series.lastIteration[s.series.lastIteration.length - 1]! - s.series.lastIteration[0]!;
    const growth = a.slopeBytesPerIteration * span;
    // Alternate blocks ± one growth around the trend: spread 2 × growth.
    sig.mean = sig.mean.map((y, i) => y + (i % 2 ? growth : -growth));
    const g = leakGate(f);
    expect(g.status).toBe("warn");
    expect(g.message).toMatch(/inconclusive: it grew [\d.]+ MiB along its trend while wandering [\d.]+ MiB around it/);
  });
});
