/**
 * What `vramgate bench --json` prints on stdout: the whole outcome of the run in one
 * object, stable and documented here (schema `vramgate.bench-summary/1`; fields are only
 * ever added). Figures that could not be measured are `null`, never NaN or Infinity.
 *
 * ```
 * {
 *   schema: "vramgate.bench-summary/1",
 *   exitCode: 0 | 1 | 3 | 130,
 *   state: "completed" | "aborted",
 *   results: "<path of the results JSON>", report: "<path of the markdown report>",
 *   junit: "<path>" | null,
 *   runs: [{
 *     key, scenario, engine, precision, sequence, baseline,
 *     gpu: { index, name, uuid, driverVersion, clocks: { smMHz, smMaxMHz, memMHz, memMaxMHz } } | null,
 *                                                   // the GPU the run used, read at its start
 *     recommendation: { strategy: string | null,
 *                       excluded: [{ strategy, code, reason, …figures }],  // code: why, as analysis says it; reason: in words
 *                       rankedBy: "ratio" | "rate" | "only" | null,   // what put it first
 *                       withinNoise: [strategy],    // not told apart from it (intervals overlap)
 *                       words: [sentence] },        // the report's words, each with its figure
 *     strategies: [{
 *       strategy, state, iterations,
 *       callsPerSecond: number | null,                  // median over rounds
 *       throughput: { ratio, ci: [lo, hi], claim, rounds } | null,
 *                                                       // × baseline; claim "baseline" for the
 *                                                       // baseline itself (ratio 1, ci [1, 1]),
 *                                                       // else faster | slower | within-noise | no-data
 *       latencyMs: { p50, p90, p99, max } | null,
 *       signal: "<primary signal>",                     // e.g. gpuProcessBytes or rssBytes
 *       peakBytes: number | null,                       // of the primary signal
 *       residualBytes: number | null,                   // memory not returned after release
 *       verdict: "flat" | "plateau" | "shape-growth" | "leak" | "inconclusive" | … | null,
 *       slopeBytesPerIteration: number | null, slopeCi: [lo, hi] | null,
 *       iterationsToOom: number | null, secondsToOom: number | null,
 *       explanation: string | null,
 *       shapes: {                                       // null when no call met a new shape
 *         distinct, allowed: { count, exact } | null, newShapeCalls, repeatCalls,
 *         bytesPerNewShape, bytesPerNewShapeCi: [lo, hi],
 *         newShapeLatencyMs: { p50, p99 } | null, repeatLatencyMs: { p50, p99 } | null,
 *         latencyRatio, latencyRatioCi: [lo, hi] | null,   // new ÷ repeat, medians
 *         bound: { projectedBytes, projectedCi, capacityBytes, fits, shapesToOom } | null
 *       } | null,
 *       confirmation: { replayCalls, verdictBefore, verdictAfter, checks, confirmed, budgetExhausted } | null,
 *       layers: {                                       // null without allocator figures (src/results/layers.ts)
 *         allocators: ["torch" | "cupy" | "tensorrt"],
 *         where: ["tensors" | "allocator-cache" | "outside-allocator"],   // layers that leak; [] none
 *         unattributed: boolean,                        // the total leaks, no single layer does
 *         verdicts: { <signal>: verdict }               // total, allocated, reserved, outside
 *       } | null,
 *       sourcesDisagree: [[signalA, signalB]],          // sources of one quantity whose slopes differ
 *                                                       // (compared when one is a leak); [] none
 *       allocationSites: {                              // PyTorch process workers judged leak, or --trace-allocations
 *         snapshotFile, calls, bytes, count,            // snapshot relative to the results folder
 *         sites: [{ file, line, function, bytes, count }]   // top sites, most bytes first
 *       } | { error, calls } | null,
 *       error: { message, iteration } | null            // why it did not complete
 *     }]
 *   }],
 *   gates: [{ gate, status: "pass" | "fail" | "warn", run?, strategy?, message }],
 *   baseline: { file, comparedWith: runId, environmentDifferences: [..], forced } | null,
 *   shard: { index, count, source } | null,         // bench --shard or a scheduler's variables
 *   sweeps: [{                                       // one per scenario × sequence that ran a sweep: []
 *     scenario, sequence, axes: [axis], reference: { run, strategy },
 *     recommended: { run, combination, precision, strategy, ratio, ratioCi, peakBytes, p99Ms } | null,
 *     rankedBy: "fastest" | "least-memory" | "only" | null,
 *     sentence: string,                              // the report's words
 *     drift: { run, repeat, strategy, ratio, ci } | null,  // the reference's repeat ÷ its first run
 *     driftSentence: string | null,                  // the report's drift line
 *     points: [{ run, combination, precision, strategy, ratio, ratioCi, p99Ms, peakBytes, verdict,
 *                front: boolean, excluded: [code] }]
 *   }]
 * }
 * ```
 */
import type { GateOutcome } from "../results/verdicts.js";
import type { Comparison } from "../analysis/compare.js";
import type { ResultsFile, ScenarioRunResult, StrategyResult } from "../results/types.js";
import { medianRate, primaryLeak, residualBytes } from "../analysis/figures.js";
import { exclusionWords, recommendationWords } from "../report/recommend.js";
import { driftSentence, sweepSentence } from "../report/sweep.js";
import type { SweepAnalysis, SweepPointResult } from "../results/sweep.js";

export const BENCH_SUMMARY_SCHEMA = "vramgate.bench-summary/1";

export interface BenchSummaryInput {
  results: ResultsFile;
  outcomes: readonly GateOutcome[];
  exitCode: number;
  resultsPath: string;
  reportPath: string;
  junitPath?: string;
  baseline?: { file: string; comparison?: Comparison };
}

const num = (x: number | undefined): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);
const pair = (x: readonly [number, number] | undefined): [number | null, number | null] | null =>
  x ? [num(x[0]), num(x[1])] : null;

/** The dynamic-shape tax and attribution of the primary signal, when the run met new shapes. */
function shapeSummary(run: ScenarioRunResult, s: StrategyResult) {
  const tax = s.analysis?.tax;
  const a = s.analysis?.shapes?.[s.primarySignal];
  if (!tax || !a || tax.newShapeCalls === 0) return null;
  const lat = (l: { p50: number; p99: number } | undefined) => (l ? { p50: num(l.p50), p99: num(l.p99) } : null);
  return {
    distinct: a.distinctShapes,
    allowed: run.allowedShapes ?? null,
    newShapeCalls: tax.newShapeCalls,
    repeatCalls: tax.repeatCalls,
    bytesPerNewShape: num(a.bytesPerNewShape),
    bytesPerNewShapeCi: pair(a.bytesPerNewShapeCi),
    newShapeLatencyMs: lat(tax.newShapeLatencyMs),
    repeatLatencyMs: lat(tax.repeatLatencyMs),
    latencyRatio: num(tax.latencyRatio),
    latencyRatioCi: pair(tax.latencyRatioCi),
    bound: a.bound
      ? {
          projectedBytes: num(a.bound.projectedBytes),
          projectedCi: pair(a.bound.projectedCi),
          capacityBytes: num(a.bound.capacityBytes),
          fits: a.bound.fits,
          shapesToOom: num(a.bound.shapesToOom),
        }
      : null,
  };
}

function strategySummary(run: ScenarioRunResult, s: StrategyResult) {
  const t = run.throughput?.find((x) => x.strategy === s.strategy);
  const leak = primaryLeak(s);
  const throughput =
    s.strategy === run.baseline
      ? { ratio: 1, ci: [1, 1], claim: "baseline", rounds: s.rounds.length }
      : t
        ? { ratio: num(t.ratio), ci: pair(t.ratioCi), claim: t.claim, rounds: t.rounds }
        : null;
  return {
    strategy: s.strategy,
    state: s.state,
    iterations: s.iterations,
    callsPerSecond: num(medianRate(s.rounds)),
    throughput,
    latencyMs: s.latency
      ? { p50: num(s.latency.p50Ms), p90: num(s.latency.p90Ms), p99: num(s.latency.p99Ms), max: num(s.latency.maxMs) }
      : null,
    signal: s.primarySignal,
    peakBytes: num(s.peakBytes[s.primarySignal]),
    residualBytes: num(residualBytes(s)),
    verdict: leak?.verdict ?? null,
    slopeBytesPerIteration: num(leak?.slopeBytesPerIteration),
    slopeCi: pair(leak?.slopeCi),
    iterationsToOom: num(leak?.projection?.iterationsToOom),
    secondsToOom: num(leak?.projection?.secondsToOom),
    explanation: leak?.explanation ?? null,
    shapes: shapeSummary(run, s),
    confirmation: s.confirmation
      ? {
          replayCalls: s.confirmation.replayCalls,
          verdictBefore: s.confirmation.verdictBefore ?? null,
          verdictAfter: s.confirmation.verdictAfter ?? null,
          checks: s.confirmation.checks,
          confirmed: s.confirmation.confirmed ?? null,
          budgetExhausted: s.confirmation.budgetExhausted ?? false,
        }
      : null,
    layers: layerSummary(s),
    sourcesDisagree: (s.analysis?.sources ?? []).filter((c) => !c.agree).map((c) => c.signals),
    allocationSites: s.allocationSites ?? null,
    error: s.error ? { message: s.error.message, iteration: num(s.error.iteration) } : null,
  };
}

function layerSummary(s: StrategyResult) {
  const l = s.analysis?.layers;
  if (!l) return null;
  const figures = [l.total, ...l.allocated, ...l.reserved, l.outside].filter((f) => f !== undefined);
  return {
    allocators: l.allocators,
    where: l.where,
    unattributed: l.unattributed,
    verdicts: Object.fromEntries(figures.map((f) => [f.signal, f.verdict])),
  };
}

export function benchSummary(i: BenchSummaryInput) {
  return {
    schema: BENCH_SUMMARY_SCHEMA,
    exitCode: i.exitCode,
    state: i.results.state,
    results: i.resultsPath,
    report: i.reportPath,
    junit: i.junitPath ?? null,
    runs: i.results.runs.map((run) => {
      const rec = run.recommendation ?? { withinNoise: [], excluded: [], higherRate: [] };
      return {
        key: run.key,
        scenario: run.scenario,
        engine: run.engine,
        precision: run.precision,
        sequence: run.sequence,
        baseline: run.baseline,
        gpu: run.gpu
          ? {
              index: run.gpu.index,
              name: run.gpu.name,
              uuid: run.gpu.uuid,
              driverVersion: run.gpu.driverVersion ?? null,
              clocks: run.gpu.clocks,
            }
          : null,
        recommendation: {
          strategy: rec.strategy ?? null,
          excluded: rec.excluded.map((e) => ({ ...e, reason: exclusionWords(e) })),
          rankedBy: rec.rankedBy ?? null,
          withinNoise: rec.withinNoise,
          words: recommendationWords(run, rec),
        },
        strategies: run.strategies.map((s) => strategySummary(run, s)),
      };
    }),
    gates: i.outcomes,
    baseline: i.baseline
      ? {
          file: i.baseline.file,
          comparedWith: i.baseline.comparison?.base.runId ?? null,
          environmentDifferences: i.baseline.comparison?.environmentDifferences ?? [],
          forced: i.baseline.comparison?.forced ?? false,
        }
      : null,
    shard: i.results.shard
      ? { index: i.results.shard.index, count: i.results.shard.count, source: i.results.shard.source }
      : null,
    sweeps: (i.results.sweeps ?? []).map(sweepSummary),
  };
}

/** One sweep's points and recommendation (src/analysis/pareto.ts), figures null when unmeasured. */
function sweepSummary(a: SweepAnalysis) {
  const point = (p: SweepPointResult) => ({
    run: p.run,
    combination: p.combination,
    precision: p.precision,
    strategy: p.strategy,
    ratio: num(p.ratio),
    ratioCi: pair(p.ratioCi),
    p99Ms: num(p.p99Ms),
    peakBytes: num(p.peakBytes),
    verdict: p.verdict,
    front: p.front,
    excluded: p.excluded.map((e) => e.code),
  });
  const rec = a.recommended === undefined ? undefined : a.points[a.recommended];
  return {
    scenario: a.scenario,
    sequence: a.sequence,
    axes: a.axes,
    reference: a.reference,
    recommended: rec
      ? {
          run: rec.run,
          combination: rec.combination,
          precision: rec.precision,
          strategy: rec.strategy,
          ratio: num(rec.ratio),
          ratioCi: pair(rec.ratioCi),
          peakBytes: num(rec.peakBytes),
          p99Ms: num(rec.p99Ms),
        }
      : null,
    rankedBy: a.rankedBy ?? null,
    sentence: sweepSentence(a),
    drift: a.drift ? { ...a.drift, ratio: num(a.drift.ratio), ci: pair(a.drift.ci) } : null,
    driftSentence: driftSentence(a) ?? null,
    points: a.points.map(point),
  };
}
