/**
 * Synthetic layer runs for tests and the `layers` results fixture: per-call signals of
 * src/analysis/synth-layers.ts go through the run's real path (the Joiner lines samples up
 * with the worker's per-call stats and derives outsideAllocatorBytes; BlockSeriesBuilder
 * reduces them), then the real analyser judges them.
 */
import { analyzeResults } from "../../src/analysis/analyze-results.js";
import { synthLayerCalls, type LayerCase } from "../../src/analysis/synth-layers.js";
import { MiB } from "../../src/analysis/synth.js";
import {
  RESULTS_SCHEMA,
  type ResultsFile,
  type ScenarioRunResult,
  type StrategyResult,
} from "../../src/results/types.js";
import { BlockSeriesBuilder } from "../../src/run/block-series.js";
import { Joiner } from "../../src/run/joiner.js";
import type { StrategyName } from "../../src/scenarios/types.js";

const GiB = 1024 * MiB;
const SAMPLED = ["gpuProcessBytes", "deviceUsedBytes"] as const;

/** One strategy whose calls follow `kind`; one sample lands inside each 10 ns call. */
export function layerStrategy(strategy: StrategyName, kind: LayerCase, calls = 300, seed = 1): StrategyResult {
  const perCall = synthLayerCalls(kind, calls, seed);
  const joiner = new Joiner(["gpuProcessBytes", "deviceUsedBytes", "rssBytes"]);
  const t = perCall.map((_, i) => i * 10 + 5);
  joiner.addSamples({
    tNs: [...t, calls * 10 + 5],
    gpuProcessBytes: [...perCall.map((c) => c.gpuProcessBytes!), Number.NaN],
    deviceUsedBytes: [...perCall.map((c) => c.deviceUsedBytes!), Number.NaN],
    rssBytes: [...perCall.map(() => 900 * MiB), 900 * MiB],
  });
  const stats: Record<string, number[]> = {};
  for (const c of perCall) {
    for (const [k, v] of Object.entries(c)) {
      if ((SAMPLED as readonly string[]).includes(k)) continue;
      stats[k] = [...(stats[k] ?? []), v];
    }
  }
  joiner.addMarks({
    index: perCall.map((_, i) => i),
    startNs: perCall.map((_, i) => i * 10),
    endNs: perCall.map((_, i) => i * 10 + 9),
    gpuMs: perCall.map(() => -1),
    shape: perCall.map(() => "input:4x3x224x224"),
    stats,
  });
  const series = new BlockSeriesBuilder(64);
  const peakBytes: Record<string, number> = {};
  for (const r of joiner.take()) {
    series.add(r.index, r.index * 2, 2, r.signals);
    for (const [k, v] of Object.entries(r.signals)) peakBytes[k] = Math.max(peakBytes[k] ?? 0, v);
  }
  return {
    strategy,
    state: "completed",
    warmupIterations: 0,
    iterations: calls,
    durationMs: calls * 2,
    rounds: Array.from({ length: 4 }, (_, round) => ({
      round,
      iterations: calls / 4,
      busyMs: calls / 2,
      itemsPerSecond: 500,
    })),
    shapes: ["input:4x3x224x224"],
    primarySignal: "gpuProcessBytes",
    peakBytes,
    startBytes: {},
    series: series.toJSON(),
  };
}

function run(key: string, persistent: LayerCase): ScenarioRunResult {
  return {
    key: `${key}/fixed/fp32`,
    scenario: key,
    file: `examples/layers/${key}.yaml`,
    engine: "process",
    model: { path: "", sha256: "" },
    precision: "fp32",
    sequence: "fixed",
    baseline: "scoped",
    gate: { leak: "fail", allow: {}, minSpeedup: {} },
    config: {},
    strategies: [layerStrategy("persistent", persistent, 300, 7), layerStrategy("scoped", "flat", 300, 8)],
  };
}

/** Three runs, one per place growth can live (persistent grows, scoped stays flat), analysed. */
export function layerResults(): ResultsFile {
  const file: ResultsFile = {
    schema: RESULTS_SCHEMA,
    runId: "2026-12-01T2000-layers",
    createdAt: "2026-12-01T20:00:00Z",
    finishedAt: "2026-12-01T20:01:00Z",
    state: "completed",
    argv: ["bench", "examples/layers"],
    environment: {
      hostname: "synthetic",
      os: "linux",
      kernel: "6.8",
      cpu: "synthetic",
      cpuCount: 16,
      totalMemoryBytes: 128 * GiB,
      node: "v20.0.0",
      vramgate: "0.1.0",
      addon: { loaded: true, nvml: true, cudaRuntime: true },
      gpus: [{ index: 0, name: "NVIDIA H200", totalBytes: 141 * GiB }],
      engines: {},
    },
    runs: [run("retained-tensors", "tensors"), run("fragmentation", "cache"), run("raw-cudamalloc", "outside")],
  };
  return analyzeResults(file);
}
