/** Fill a results file's analysis: leak verdict per memory signal, throughput vs the baseline. */
import { analyzeLeak } from "./leak.js";
import { compareThroughput } from "./throughput.js";
import { attributeShapes, shapeTax } from "./shape.js";
import type { LeakAnalysis, MemorySeries, ShapeAttribution } from "./types.js";
import { RESULTS_SCHEMA, type Environment, type ResultsFile, type RoundResult, type ScenarioRunResult, type StrategyResult } from "../results/types.js";
import type { StrategyName } from "../scenarios/types.js";

/** Signals measured on the device (their capacity is the GPU's), by name. */
export function isDeviceSignal(signal: string): boolean {
  return /gpu|device/i.test(signal);
}

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
        const whole = analyzeLeak(series, totalBytes !== undefined ? { totalBytes } : {});
        leak[signal] = whole;
        if (!s.shapeStats) continue;
        const judged = attributeShapes(whole, s.shapeStats, signal, {
          allowedShapes: run.allowedShapes,
          capacityBytes: totalBytes,
          currentBytes: lastFinite(series.value),
          secondsPerCall: secondsPerCall(series),
        });
        leak[signal] = judged.leak;
        shapes[signal] = judged.attribution;
      }
      s.analysis = { leak };
      if (s.shapeStats) {
        s.analysis.shapes = shapes;
        s.analysis.tax = shapeTax(s.shapeStats, shapes[s.primarySignal]);
      }
    }
    const rounds: Partial<Record<StrategyName, RoundResult[]>> = {};
    for (const s of run.strategies) if (s.rounds.length > 0) rounds[s.strategy] = s.rounds;
    if (rounds[run.baseline]) run.throughput = compareThroughput(rounds, run.baseline);
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

/** The verdict a strategy is judged by: the analysis of its primary signal (undefined before analyzeResults). */
export function strategyVerdict(s: StrategyResult): LeakAnalysis | undefined {
  return s.analysis?.leak[s.primarySignal];
}

/**
 * The primary verdict of one strategy as analyzeResults would give it now, for deciding
 * mid-run whether to confirm it (the run's other strategies and throughput are ignored).
 */
export function judgeStrategy(environment: Environment, run: ScenarioRunResult, s: StrategyResult): string | undefined {
  const one: ResultsFile = { schema: RESULTS_SCHEMA, runId: "", createdAt: "", state: "aborted", argv: [], environment, runs: [{ ...run, strategies: [s], throughput: undefined }] };
  const judged = analyzeResults(one).runs[0]!.strategies[0]!;
  return strategyVerdict(judged)?.verdict;
}
