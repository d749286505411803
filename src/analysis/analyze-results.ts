/** Fill a results file's analysis: leak verdict per memory signal, throughput vs the baseline. */
import { analyzeLeak, type LeakAnalysisOptions } from "./leak.js";
import { isDeviceSignal } from "./figures.js";
import { analyzeLayers, crossCheckSources } from "./layers.js";
import { recommend } from "./recommend.js";
import { compareThroughput } from "./throughput.js";
import { attributeShapes, replayCheck, shapeTax, type ShapeContext } from "./shape.js";
import type { LeakAnalysis, ShapeAttribution } from "../results/verdicts.js";
import type { MemorySeries } from "./types.js";
import {
  RESULTS_SCHEMA,
  type Environment,
  type ResultsFile,
  type RoundResult,
  type ScenarioRunResult,
  type StrategyResult,
} from "../results/types.js";
import type { StrategyName } from "../scenarios/types.js";

/**
 * The block-maximum series of one signal of a strategy (the high-water mark per block,
 * with the block's last iteration and end time), with the block minima as `min`.
 */
export function signalSeries(s: StrategyResult, signal: string): MemorySeries | undefined {
  const sig = s.series?.signals?.[signal];
  if (!sig || !Array.isArray(sig.max)) return undefined;
  const n = Math.min(sig.max.length, s.series.lastIteration.length);
  const series: MemorySeries = { iteration: s.series.lastIteration.slice(0, n), value: sig.max.slice(0, n) };
  if (Array.isArray(sig.min) && sig.min.length >= n) series.min = sig.min.slice(0, n);
  if (s.series.timeMs.length >= n) series.timeMs = s.series.timeMs.slice(0, n);
  return series;
}

/**
 * Growth below this over the judged window is never a leak of host memory: garbage-collected
 * heaps (the Node process hosting an engine) and malloc arenas move host RSS by MiBs on
 * their own. Measured: a CPU ONNX Runtime run's RSS crept ~8–14 KiB/call for 180 calls
 * (1.7 MiB) and was called a leak in 1 of 8 unchanged runs with the device floor of 1 MiB.
 */
export const HOST_MIN_GROWTH_BYTES = 4 * 1024 * 1024;

/** Leak-analysis options for a signal: its capacity, and the host floor for host signals. */
export function leakOptionsFor(file: ResultsFile, signal: string): LeakAnalysisOptions {
  const o: LeakAnalysisOptions = {};
  const totalBytes = capacityFor(file, signal);
  if (totalBytes !== undefined) o.totalBytes = totalBytes;
  if (!isDeviceSignal(signal)) o.minGrowthBytes = HOST_MIN_GROWTH_BYTES;
  return o;
}

/** Capacity for a signal's out-of-memory projection: GPU 0's memory for device signals, host memory otherwise. */
export function capacityFor(file: ResultsFile, signal: string): number | undefined {
  const total = isDeviceSignal(signal) ? file.environment.gpus[0]?.totalBytes : file.environment.totalMemoryBytes;
  return total !== undefined && total > 0 ? total : undefined;
}

/**
 * A copy of `file` with `strategies[].analysis.leak[signal]` for every signal of every
 * strategy and `runs[].throughput` from the rounds (the input is not modified).
 */
export function analyzeResults(file: ResultsFile): ResultsFile {
  const out: ResultsFile = structuredClone(file);
  for (const run of out.runs) {
    for (const s of run.strategies) {
      const leak: Record<string, LeakAnalysis> = {};
      const shapes: Record<string, ShapeAttribution> = {};
      for (const signal of Object.keys(s.series?.signals ?? {})) {
        const series = signalSeries(s, signal);
        if (!series || series.value.length === 0) continue;
        const totalBytes = capacityFor(out, signal);
        // The series starts after the strategy's configured warm-up; the automatic 10 %
        // warm-up still applies, for allocator growth that outlasts the configured one.
        const opts = leakOptionsFor(out, signal);
        const whole = analyzeLeak(series, opts);
        const judged = judgeWithShapes(whole, s, signal, series, {
          allowedShapes: run.allowedShapes,
          capacityBytes: totalBytes,
          minGrowthBytes: opts.minGrowthBytes,
        });
        leak[signal] = judged.leak;
        if (judged.attribution) shapes[signal] = judged.attribution;
      }
      s.analysis = { leak };
      const layers = analyzeLayers(leak);
      if (layers) s.analysis.layers = layers;
      const sources = crossCheckSources(leak);
      if (sources.length) s.analysis.sources = sources;
      if (s.shapeStats) {
        s.analysis.shapes = shapes;
        s.analysis.tax = shapeTax(s.shapeStats, shapes[s.primarySignal]);
      }
    }
    const rounds: Partial<Record<StrategyName, RoundResult[]>> = {};
    for (const s of run.strategies) if (s.rounds.length > 0) rounds[s.strategy] = s.rounds;
    if (rounds[run.baseline]) run.throughput = compareThroughput(rounds, run.baseline);
    run.recommendation = recommend(run);
  }
  return out;
}

function lastFinite(xs: ArrayLike<number>): number | undefined {
  for (let i = xs.length - 1; i >= 0; i--) if (Number.isFinite(xs[i])) return xs[i] as number;
  return undefined;
}

function secondsPerCall(series: MemorySeries): number | undefined {
  const n = series.value.length;
  const t = series.timeMs;
  if (!t || n < 2) return undefined;
  const calls = (series.iteration[n - 1] as number) - (series.iteration[0] as number);
  const ms = (t[n - 1] as number) - (t[0] as number);
  return calls > 0 && ms > 0 ? ms / 1000 / calls : undefined;
}

/**
 * One signal's final verdict from its whole-series analysis: growth attributed to new vs
 * repeated shapes (when the strategy has ShapeStats), then the replay test of a leak (when
 * seen shapes were replayed). `analyze` of a results file judges the same way as the run.
 */
export function judgeWithShapes(
  whole: LeakAnalysis,
  s: StrategyResult,
  signal: string,
  series: MemorySeries,
  ctx: Pick<ShapeContext, "allowedShapes" | "capacityBytes" | "minGrowthBytes">,
): { leak: LeakAnalysis; attribution?: ShapeAttribution } {
  if (!s.shapeStats) return { leak: whole };
  const judged = attributeShapes(whole, s.shapeStats, signal, {
    ...ctx,
    currentBytes: lastFinite(series.value),
    secondsPerCall: secondsPerCall(series),
  });
  // A leak must keep growing while seen shapes are replayed.
  const floor = ctx.minGrowthBytes !== undefined ? { minGrowthBytes: ctx.minGrowthBytes } : {};
  const leak =
    s.confirmation && s.confirmation.replayCalls > 0
      ? replayCheck(judged.leak, series, s.confirmation.fromIteration, 12, floor)
      : judged.leak;
  return { leak, attribution: judged.attribution };
}

/** The verdict a strategy is judged by: the analysis of its primary signal (undefined before analyzeResults). */
export function strategyVerdict(s: StrategyResult): LeakAnalysis | undefined {
  return s.analysis?.leak[s.primarySignal];
}

/**
 * The primary verdict of one strategy as analyzeResults would give it now, for deciding
 * mid-run whether to confirm it (the run's other strategies and throughput are ignored).
 */
export function judgeStrategy(environment: Environment, run: ScenarioRunResult, s: StrategyResult): string | undefined {
  const one: ResultsFile = {
    schema: RESULTS_SCHEMA,
    runId: "",
    createdAt: "",
    state: "aborted",
    argv: [],
    environment,
    runs: [{ ...run, strategies: [s], throughput: undefined }],
  };
  const judged = analyzeResults(one).runs[0]!.strategies[0]!;
  return strategyVerdict(judged)?.verdict;
}
