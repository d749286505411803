import { describe, expect, it } from "vitest";
import { analyzeResults, capacityFor, strategyVerdict } from "../../src/analysis/analyze-results.js";
import { blockReduce } from "../../src/analysis/stats/block-reduce.js";
import { KiB, MiB, synthTrace, type SynthSpec } from "../../src/analysis/synth.js";
import { RESULTS_SCHEMA, type ResultsFile, type StrategyResult } from "../../src/results/types.js";
import type { StrategyName } from "../../src/scenarios/types.js";

const GiB = 1024 * MiB;

/** A strategy whose block series is the block reduction of real synthetic per-iteration traces. */
function strategy(name: StrategyName, specs: Record<string, SynthSpec>, speed: number): StrategyResult {
  const traces = Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, synthTrace(s)]));
  const first = Object.values(traces)[0]!;
  const n = first.value.length;
  const signals: StrategyResult["series"]["signals"] = {};
  let red = blockReduce(first.iteration, first.value, 500, first.timeMs);
  for (const [k, t] of Object.entries(traces)) {
    red = blockReduce(t.iteration, t.value, 500, t.timeMs);
    signals[k] = { min: Array.from(red.min), max: Array.from(red.max), mean: Array.from(red.mean) };
  }
  return {
    strategy: name,
    state: "completed",
    warmupIterations: 10,
    iterations: n,
    durationMs: first.timeMs[n - 1]!,
    rounds: Array.from({ length: 6 }, (_, round) => ({
      round,
      iterations: 100,
      busyMs: 1000 / speed,
      itemsPerSecond: 100 * speed * (1 + 0.001 * round),
    })),
    shapes: ["input:1x3x224x224"],
    primarySignal: "gpuProcessBytes",
    peakBytes: {},
    startBytes: {},
    series: {
      blockSize: red.blockSize,
      firstIteration: Array.from(red.firstIteration),
      lastIteration: Array.from(red.lastIteration),
      timeMs: Array.from(red.timeMs!),
      latencyMeanMs: Array.from({ length: red.max.length }, () => 10),
      signals,
    },
  };
}

function file(): ResultsFile {
  return {
    schema: RESULTS_SCHEMA,
    runId: "t",
    createdAt: "2026-01-01T00:00:00Z",
    state: "completed",
    argv: [],
    environment: {
      hostname: "h",
      os: "linux",
      kernel: "6",
      cpu: "x",
      cpuCount: 2,
      totalMemoryBytes: 64 * GiB,
      node: "20",
      vramgate: "0.1.0",
      addon: { loaded: true, nvml: true, cudaRuntime: true },
      gpus: [{ index: 0, name: "H100", totalBytes: 80 * GiB }],
      engines: {},
    },
    runs: [
      {
        key: "s/fixed/fp32",
        scenario: "s",
        file: "s.yaml",
        engine: "onnxruntime",
        model: { path: "m.onnx", sha256: "0" },
        precision: "fp32",
        sequence: "fixed",
        baseline: "scoped",
        gate: {} as ResultsFile["runs"][number]["gate"],
        config: {},
        strategies: [
          strategy(
            "persistent",
            {
              gpuProcessBytes: { kind: "leak", iterations: 20_000, seed: 1, leakBytesPerIteration: 256 * KiB },
              rssBytes: { kind: "flat", iterations: 20_000, seed: 2, granularityBytes: 0, noiseBytes: 0.5 * MiB },
            },
            3,
          ),
          strategy(
            "scoped",
            {
              gpuProcessBytes: { kind: "flat", iterations: 20_000, seed: 3 },
              rssBytes: { kind: "flat", iterations: 20_000, seed: 4, granularityBytes: 0, noiseBytes: 0.5 * MiB },
            },
            1,
          ),
        ],
      },
    ],
  };
}

describe("analyzeResults", () => {
  it("judges every signal of every strategy from the block maxima and compares throughput", () => {
    const input = file();
    const before = JSON.stringify(input);
    const out = analyzeResults(input);
    expect(JSON.stringify(input)).toBe(before); // input untouched
    const [persistent, scoped] = out.runs[0]!.strategies;
    expect(Object.keys(persistent!.analysis!.leak).sort()).toEqual(["gpuProcessBytes", "rssBytes"]);
    const v = strategyVerdict(persistent!)!;
    expect(v.verdict).toBe("leak");
    expect(Math.abs(v.slopeBytesPerIteration / (256 * KiB) - 1)).toBeLessThan(0.15);
    // GPU signal → projected against the GPU's 80 GiB.
    const free = 80 * GiB - persistent!.series.signals.gpuProcessBytes!.max.at(-1)!;
    expect(v.projection!.iterationsToOom).toBeCloseTo(free / v.slopeBytesPerIteration, 3);
    expect(v.slopeBytesPerSecond).toBeGreaterThan(0);
    expect(persistent!.analysis!.leak.rssBytes!.verdict).not.toBe("leak");
    expect(strategyVerdict(scoped!)!.verdict).not.toBe("leak");
    const tp = out.runs[0]!.throughput!;
    expect(tp).toHaveLength(1);
    expect(tp[0]!.strategy).toBe("persistent");
    expect(tp[0]!.claim).toBe("faster");
    expect(tp[0]!.ratio).toBeCloseTo(3, 2);
  });

  it("takes capacity from the GPU for device signals and from host memory otherwise", () => {
    const f = file();
    expect(capacityFor(f, "gpuProcessBytes")).toBe(80 * GiB);
    expect(capacityFor(f, "deviceUsedBytes")).toBe(80 * GiB);
    expect(capacityFor(f, "rssBytes")).toBe(64 * GiB);
    f.environment.gpus = [];
    expect(capacityFor(f, "gpuProcessBytes")).toBeUndefined();
  });

  it("returns undefined as the verdict before analysis", () => {
    expect(strategyVerdict(file().runs[0]!.strategies[0]!)).toBeUndefined();
  });
});
