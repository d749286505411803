/**
 * Sweeps' Pareto analysis on synthetic runs: the front, ratios against the first
 * combination's baseline with intervals, exclusions by gate.maxPeakMiB / gate.maxP99Ms and
 * by the run's own recommendation, and the rule that picks the configuration to ship.
 */
import { describe, expect, it } from "vitest";
import { analyzeSweeps, paretoFront } from "../../src/analysis/pareto.js";
import type { ResultsFile, ScenarioRunResult, StrategyResult } from "../../src/results/types.js";

const MiB = 1024 * 1024;

function strategy(
  name: StrategyResult["strategy"],
  rate: number,
  peakMiB: number,
  p99Ms: number,
  verdict = "flat",
): StrategyResult {
  return {
    strategy: name,
    state: "completed",
    warmupIterations: 0,
    iterations: 50,
    durationMs: 1000,
    // Five rounds around `rate` (±2 %): enough for a bootstrap interval.
    rounds: [0.98, 0.99, 1, 1.01, 1.02].map((f, round) => ({
      round,
      iterations: 10,
      busyMs: 1,
      itemsPerSecond: rate * f,
    })),
    latency: { count: 50, meanMs: 1, minMs: 0.5, p50Ms: 1, p90Ms: 1.5, p99Ms, maxMs: p99Ms },
    shapes: [],
    primarySignal: "gpuProcessBytes",
    peakBytes: { gpuProcessBytes: peakMiB * MiB },
    startBytes: {},
    series: {
      blockSize: 1,
      firstIteration: [],
      lastIteration: [],
      timeMs: [],
      signals: {},
    } as unknown as StrategyResult["series"],
    analysis: { leak: { gpuProcessBytes: { verdict } as never } },
  };
}

function run(
  index: number,
  key: string,
  strategies: StrategyResult[],
  gate: Partial<ScenarioRunResult["gate"]> = {},
): ScenarioRunResult {
  return {
    key: `s/fixed/fp32/${key}`,
    scenario: "s",
    file: "s.yaml",
    engine: "onnxruntime",
    model: { path: "", sha256: "" },
    precision: "fp32",
    sequence: "fixed",
    baseline: "scoped",
    gate: { leak: "fail", allow: {}, minSpeedup: {}, ...gate },
    config: {
      sweepPoint: {
        key,
        values: { "onnxruntime.intraOpThreads": index + 1 },
        axes: ["onnxruntime.intraOpThreads"],
        index,
      },
    },
    strategies,
  };
}

const file = (runs: ScenarioRunResult[]): ResultsFile =>
  ({
    schema: "vramgate.results/1",
    runId: "r",
    createdAt: "",
    state: "completed",
    argv: [],
    environment: {},
    runs,
  }) as unknown as ResultsFile;

describe("paretoFront", () => {
  it("keeps the points no other beats on both axes", () => {
    expect(paretoFront([{ rate: 10, peak: 5 }, { rate: 20, peak: 10 }, { rate: 15, peak: 12 }, { rate: 5 }])).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe("analyzeSweeps", () => {
  it("rates every point against the first combination's baseline, with an interval around the ratio", () => {
    const [a] = analyzeSweeps(
      file([
        run(0, "t=1", [strategy("persistent", 200, 330, 2), strategy("scoped", 100, 100, 3)]),
        run(1, "t=2", [strategy("persistent", 400, 320, 1), strategy("scoped", 150, 110, 2)]),
      ]),
    );
    expect(a!.reference).toEqual({ run: "s/fixed/fp32/t=1", strategy: "scoped" });
    expect(a!.points).toHaveLength(4);
    const ref = a!.points.find((p) => p.run.endsWith("t=1") && p.strategy === "scoped")!;
    expect(ref.ratio).toBeCloseTo(1, 6);
    for (const p of a!.points) {
      expect(p.ratioCi![0]).toBeLessThanOrEqual(p.ratio!);
      expect(p.ratioCi![1]).toBeGreaterThanOrEqual(p.ratio!);
    }
    const fast = a!.points.find((p) => p.run.endsWith("t=2") && p.strategy === "persistent")!;
    expect(fast.ratio).toBeCloseTo(4, 1);
    // t=2 persistent is fastest; t=1 scoped is leanest; t=2 scoped (150/s, 110 MiB) is on the front too;
    // t=1 persistent is slower than t=2's with more memory.
    expect(
      a!.points
        .filter((p) => p.front)
        .map((p) => `${p.combination} ${p.strategy}`)
        .sort(),
    ).toEqual(["t=1 scoped", "t=2 persistent", "t=2 scoped"]);
    expect(a!.points[a!.recommended!]).toBe(fast);
    expect(a!.rankedBy).toBe("fastest");
  });

  it("excludes points over gate.maxPeakMiB or gate.maxP99Ms, and those the run itself left out", () => {
    const gate = { maxPeakMiB: 310, maxP99Ms: 2.5 };
    const r0 = run(0, "t=1", [strategy("persistent", 200, 300, 2), strategy("scoped", 100, 100, 3)], gate);
    const r1 = run(1, "t=2", [strategy("persistent", 400, 320, 1), strategy("scoped", 150, 110, 2, "leak")], gate);
    r1.recommendation = {
      excluded: [{ strategy: "scoped", code: "leak", slopeBytesPerIteration: 1 }],
      withinNoise: [],
      higherRate: [],
    };
    const [a] = analyzeSweeps(file([r0, r1]));
    const codes = (c: string, s: string) =>
      a!.points.find((p) => p.combination === c && p.strategy === s)!.excluded.map((e) => e.code);
    expect(codes("t=2", "persistent")).toEqual(["max-peak"]);
    expect(codes("t=1", "scoped")).toEqual(["max-p99"]);
    expect(codes("t=2", "scoped")).toEqual(["strategy"]);
    expect(codes("t=1", "persistent")).toEqual([]);
    expect(a!.points[a!.recommended!]!.combination).toBe("t=1");
    expect(a!.rankedBy).toBe("only");
    expect(a!.limits).toEqual(gate);
  });

  it("prefers less memory when throughput cannot be told apart", () => {
    const [a] = analyzeSweeps(
      file([run(0, "a", [strategy("scoped", 100, 200, 1)]), run(1, "b", [strategy("scoped", 101, 500, 1)])]),
    );
    expect(a!.rankedBy).toBe("least-memory");
    expect(a!.points[a!.recommended!]!.combination).toBe("a");
    expect(a!.points[a!.fastest!]!.combination).toBe("b");
  });

  it("ignores runs that are not part of a sweep", () => {
    const plain = run(0, "x", [strategy("scoped", 1, 1, 1)]);
    plain.config = {};
    expect(analyzeSweeps(file([plain]))).toEqual([]);
  });
});
