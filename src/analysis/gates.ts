/**
 * Gates: turn analysed results (leak verdicts and throughput ratios already filled) into
 * pass / warn / fail outcomes. Only `fail` changes the exit code.
 *
 * Semantics (see docs/ci.md for the user-facing version):
 * - run: a strategy whose state is not `completed` fails (`skipped` warns); `oom` is named
 *   as such (a finding, but the strategy did not finish). exitCodeFor leaves these to the
 *   caller, which maps them to exit 3.
 * - leak (mode fail | warn | off): the verdict of the strategy's primary signal. `leak`
 *   fails (warns in mode warn), unless its slope is not established (95 % CI lower bound
 *   under MIN_LEAK_CI_SHARE of the estimate) or its growth is under MIN_LEAK_SNR times the series'
 *   own spread around the trend: then it is inconclusive, a warning that says so; `inconclusive` and `plateau` warn; `flat` passes. A verdict
 *   listed in gate.allow[strategy] passes. Another signal judged `leak` (e.g. an engine
 *   allocator figure) warns: it may be a leak hidden from the primary signal.
 * - shape-growth (mode gate.shapeGrowth, default warn): a `shape-growth` verdict (memory grows
 *   only at first-seen shapes) fails in mode fail, warns in warn, passes in off; it never
 *   counts as a leak. With maxShapeGrowthMiB, the projected growth if every allowed shape is
 *   seen (bytes new shapes brought so far + remaining shapes × the per-shape CI's upper
 *   bound) above it fails in any mode but off.
 * - residual: the larger of the release residual and the after-exit device residual must
 *   not exceed maxResidualMiB.
 * - min-speedup: a speed-up claim needs the whole interval: passes only when the lower
 *   bound of the throughput ratio's 95 % CI is at least the threshold.
 * - max-slowdown: a slowdown failure needs the whole interval too: fails when the CI's upper
 *   bound is below 1 − maxSlowdown; warns when only the point estimate is below.
 * - max-peak: the primary signal's peak must not exceed maxPeakMiB.
 * - regression / memory-increase (with a baseline file; thresholds default to 5 % and 10 %
 *   when the scenario sets none): a regression fails when the whole interval of head ÷ base
 *   items/s is below 1 − maxRegression, warns when only the point estimate is; peak memory
 *   fails above 1 + maxMemoryIncrease times the baseline's. Either is **inconclusive** (a
 *   warning that says why, never a failure) when a run is too noisy to decide: a throughput
 *   regression when a run's round-to-round CV of items/s is past compare's maxCv (default
 *   10 %); a memory increase when the peak rose past the limit but the typical level (median
 *   block maximum) did not rise past half of it (one spike), or when either run's own level
 *   wanders within it by more than the limit. `npm run bench:gate-noise`
 *   measures how often each gate fails on unchanged runs (results/examples/gate-noise/).
 */
import { quantileSorted } from "simple-statistics";
import type { GateOutcome, ThroughputComparison } from "../results/verdicts.js";
import type { ResultsFile, ScenarioRunResult, StrategyResult } from "../results/types.js";
import type { GateSpec, StrategyName } from "../scenarios/types.js";
import {
  type Comparison,
  compareResults,
  DEFAULT_MAX_MEMORY_INCREASE,
  DEFAULT_MAX_REGRESSION,
  memoryInconclusive,
} from "./compare.js";

const MIB = 1024 * 1024;

export interface GateOptions {
  /** CLI flags: replace the scenario's values (allow and minSpeedup merge per strategy). */
  overrides?: Partial<GateSpec>;
  /** A baseline results file for the regression and memory-increase gates. */
  baselineFile?: ResultsFile;
  /** A comparison already made (skips recomputing it from baselineFile). */
  comparison?: Comparison;
  /** Compare with the baseline even when environments differ. */
  force?: boolean;
}

/** The gate spec a run is judged by: the scenario's, with the CLI's overrides on top. */
function effectiveGate(run: ScenarioRunResult, overrides?: Partial<GateSpec>): GateSpec {
  const g = run.gate;
  if (!overrides) return g;
  return {
    ...g,
    ...overrides,
    allow: { ...g.allow, ...(overrides.allow ?? {}) },
    minSpeedup: { ...g.minSpeedup, ...(overrides.minSpeedup ?? {}) },
  };
}

/**
 * Every gate outcome for every scenario run, in run order then strategy order.
 * With `baselineFile`, throws InputError when the environments differ (unless `force`).
 */
export function evaluateGates(results: ResultsFile, opts: GateOptions = {}): GateOutcome[] {
  const out: GateOutcome[] = [];
  for (const run of results.runs) {
    const gate = effectiveGate(run, opts.overrides);
    for (const s of run.strategies) {
      const runGate = runOutcome(run, s);
      if (runGate) out.push(runGate);
      out.push(...leakOutcomes(run, s, gate));
      const res = residualOutcome(run, s, gate);
      if (res) out.push(res);
      const peak = peakOutcome(run, s, gate);
      if (peak) out.push(peak);
    }
    out.push(...speedOutcomes(run, gate));
  }
  const comparison = opts.comparison ?? (opts.baselineFile ? compareWithBaseline(results, opts) : undefined);
  if (comparison) out.push(...baselineOutcomes(results, comparison, opts.overrides));
  return out;
}

/**
 * 1 when any gate failed, else 0. Warnings do not fail, and neither do `run` outcomes: a
 * strategy that did not complete is exit 3, which the caller decides from the states.
 */
export function exitCodeFor(outcomes: readonly GateOutcome[]): 0 | 1 {
  return outcomes.some((o) => o.status === "fail" && o.gate !== "run") ? 1 : 0;
}

function compareWithBaseline(results: ResultsFile, opts: GateOptions): Comparison {
  // Thresholds only shape claims; gates re-apply each run's own threshold below.
  return compareResults(opts.baselineFile!, results, {
    force: opts.force ?? false,
    baseName: "the baseline",
    headName: "this run",
  });
}

function outcome(
  gate: GateOutcome["gate"],
  status: GateOutcome["status"],
  run: ScenarioRunResult,
  strategy: StrategyName | undefined,
  message: string,
): GateOutcome {
  const o: GateOutcome = { gate, status, run: run.key, message };
  if (strategy) o.strategy = strategy;
  return o;
}

function runOutcome(run: ScenarioRunResult, s: StrategyResult): GateOutcome | undefined {
  if (s.state === "completed") return undefined;
  const at = s.oom
    ? ` at iteration ${s.oom.iteration}`
    : s.error?.iteration !== undefined
      ? ` at iteration ${s.error.iteration}`
      : "";
  const why = s.error?.message ? `: ${s.error.message}` : "";
  const what = s.state === "oom" ? "ran out of memory" : s.state === "timeout" ? "timed out (watchdog)" : s.state;
  const progress = at ? "" : ` after ${s.iterations} measured iterations`;
  // Skipped (never started, e.g. after an interrupt) is not a fault of the strategy.
  const status = s.state === "skipped" ? "warn" : "fail";
  return outcome("run", status, run, s.strategy, `${s.strategy} did not complete: ${what}${at}${progress}${why}`);
}

/**
 * A `leak` fails the gate only when its slope is established: the 95 % CI's lower bound is at
 * least this share of the estimate. Measured (bench:gate-noise, results/examples/gate-noise/):
 * the one false leak in 31 unchanged short CPU runs had [20 KiB, 882 KiB] around 649 KiB/call
 * (3 %); every real leak in the committed GPU evidence has ≥ 95 %.
 */
const MIN_LEAK_CI_SHARE = 0.25;

function uncertainSlope(slope: number, lower: number): boolean {
  return slope > 0 && Number.isFinite(lower) && lower < MIN_LEAK_CI_SHARE * slope;
}

/**
 * A `leak` fails only when its growth along the fitted slope over the series is at least this
 * many times the series' spread around that trend (5–95 % range of the residuals of the block
 * means). Measured: the false leaks of unchanged short CPU runs (host RSS moved by allocator
 * arenas) had 1.7 and 2.2; the subtlest real leaks in the committed GPU evidence (256–300 KiB
 * per call) 3.6–3.8, the others 30–15,000.
 */
const MIN_LEAK_SNR = 2;

function mibText(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

/** Growth along `slope` over the block series and the 5–95 % spread of the residuals around it. */
function growthToSpread(s: StrategyResult, slope: number): { growth: number; spread: number } | undefined {
  const x = s.series.lastIteration;
  const y = s.series.signals[s.primarySignal]?.mean;
  if (!y || x.length < 8 || y.length !== x.length || !(slope > 0)) return undefined;
  const res = x.map((xi, i) => (y[i] as number) - slope * xi).sort((a, b) => a - b);
  return {
    growth: slope * ((x[x.length - 1] as number) - (x[0] as number)),
    spread: quantileSorted(res, 0.95) - quantileSorted(res, 0.05),
  };
}

function leakOutcomes(run: ScenarioRunResult, s: StrategyResult, gate: GateSpec): GateOutcome[] {
  if (gate.leak === "off") return [];
  const allowed = gate.allow[s.strategy] ?? [];
  const leaks = s.analysis?.leak ?? {};
  const primary = leaks[s.primarySignal];
  const out: GateOutcome[] = [];
  if (!primary) {
    // A strategy that never got going has nothing to judge; the run gate already says so.
    if (s.state === "completed")
      out.push(
        outcome(
          "leak",
          "warn",
          run,
          s.strategy,
          `${s.strategy}: no leak analysis of ${s.primarySignal} in the results`,
        ),
      );
    return out;
  }
  if (primary.verdict === "shape-growth") return [shapeGrowthOutcome(run, s, gate, allowed.includes("shape-growth"))];
  const head = `${s.strategy}: ${s.primarySignal} ${primary.verdict}`;
  let status: GateOutcome["status"];
  let note = "";
  if (primary.verdict !== "flat" && allowed.includes(primary.verdict)) {
    status = "pass";
    note = ` (allowed for ${s.strategy})`;
  } else if (primary.verdict === "leak") {
    status = gate.leak === "fail" ? "fail" : "warn";
    // Growth whose rate the data do not pin down (the 95 % CI's lower bound under a quarter
    // of the estimate) is too noisy to accuse: inconclusive, a warning.
    const [lo] = primary.slopeCi;
    const snr = growthToSpread(s, primary.slopeBytesPerIteration);
    if (status === "fail" && uncertainSlope(primary.slopeBytesPerIteration, lo)) {
      status = "warn";
      note = ` — inconclusive: the slope's 95 % CI starts at ${((lo / primary.slopeBytesPerIteration) * 100).toFixed(0)} % of its estimate (under ${(MIN_LEAK_CI_SHARE * 100).toFixed(0)} %), so the growth rate is not established; a longer run (run.iterations, run.confirm) decides`;
    } else if (status === "fail" && snr !== undefined && snr.growth < MIN_LEAK_SNR * snr.spread) {
      status = "warn";
      note = ` — inconclusive: it grew ${mibText(snr.growth)} along its trend while wandering ${mibText(snr.spread)} around it (5–95 % of the block means), less than ${MIN_LEAK_SNR}× its own noise; a longer run (run.iterations, run.confirm) decides`;
    }
  } else if (primary.verdict === "flat") {
    status = "pass";
  } else {
    status = "warn";
    if (primary.verdict === "plateau") note = ` (grew, then stopped; allow: { ${s.strategy}: [plateau] } accepts it)`;
    if (primary.verdict === "inconclusive" && primary.moreIterationsNeeded)
      note = ` (about ${primary.moreIterationsNeeded} more iterations would decide)`;
  }
  out.push(outcome("leak", status, run, s.strategy, `${head}${note} — ${primary.explanation}`));
  // A leak another signal sees but the primary does not (e.g. inside a caching allocator).
  if (primary.verdict === "leak") return out;
  for (const [signal, a] of Object.entries(leaks)) {
    if (signal === s.primarySignal || a.verdict !== "leak" || allowed.includes("leak")) continue;
    out.push(
      outcome(
        "leak",
        "warn",
        run,
        s.strategy,
        `${s.strategy}: secondary signal ${signal} leak while ${s.primarySignal} is ${primary.verdict} — ${a.explanation}`,
      ),
    );
  }
  return out;
}

/** Growth if every allowed shape were seen: what new shapes brought so far + remaining × per-shape CI upper bound. */
export function projectedShapeGrowthBytes(s: StrategyResult): number | undefined {
  const a = s.analysis?.shapes?.[s.primarySignal];
  if (!a?.bound) return undefined;
  return Math.max(0, a.newShapeBytes) + a.bound.remainingShapes * Math.max(0, a.bytesPerNewShapeCi[1]);
}

function shapeGrowthOutcome(run: ScenarioRunResult, s: StrategyResult, gate: GateSpec, allowed: boolean): GateOutcome {
  const primary = s.analysis!.leak[s.primarySignal]!;
  const bound = s.analysis?.shapes?.[s.primarySignal]?.bound;
  const growth = projectedShapeGrowthBytes(s);
  const head = `${s.strategy}: ${s.primarySignal} shape-growth`;
  if (gate.shapeGrowth === "off" || allowed)
    return outcome(
      "shape-growth",
      "pass",
      run,
      s.strategy,
      `${head}${allowed ? ` (allowed for ${s.strategy})` : ""} — ${primary.explanation}`,
    );
  if (gate.maxShapeGrowthMiB !== undefined && growth !== undefined && growth / MIB > gate.maxShapeGrowthMiB) {
    return outcome(
      "shape-growth",
      "fail",
      run,
      s.strategy,
      `${head}: projected growth ${(growth / MIB).toFixed(1)} MiB if every allowed shape is seen; limit ${gate.maxShapeGrowthMiB} MiB — ${primary.explanation}`,
    );
  }
  const overflow = bound !== undefined && !bound.fits;
  const status = gate.shapeGrowth === "fail" ? "fail" : "warn";
  const note = overflow
    ? " (the projected bound does not fit in memory)"
    : gate.shapeGrowth === "warn"
      ? " (gate.shapeGrowth: off accepts it)"
      : "";
  return outcome("shape-growth", status, run, s.strategy, `${head}${note} — ${primary.explanation}`);
}

function residualOutcome(run: ScenarioRunResult, s: StrategyResult, gate: GateSpec): GateOutcome | undefined {
  if (gate.maxResidualMiB === undefined || !s.residual) return undefined;
  const parts: Array<[string, number]> = [];
  if (typeof s.residual.afterReleaseBytes === "number") parts.push(["after release", s.residual.afterReleaseBytes]);
  if (typeof s.residual.afterExitDeviceBytes === "number")
    parts.push(["device after exit", s.residual.afterExitDeviceBytes]);
  if (!parts.length) return undefined;
  const worst = parts.reduce((a, b) => (b[1] > a[1] ? b : a));
  const worstMiB = worst[1] / MIB;
  const status = worstMiB > gate.maxResidualMiB ? "fail" : "pass";
  const figures = parts.map(([n, b]) => `${n} ${(b / MIB).toFixed(1)} MiB`).join(", ");
  return outcome(
    "residual",
    status,
    run,
    s.strategy,
    `${s.strategy}: residual ${figures}; limit ${gate.maxResidualMiB} MiB`,
  );
}

function peakOutcome(run: ScenarioRunResult, s: StrategyResult, gate: GateSpec): GateOutcome | undefined {
  if (gate.maxPeakMiB === undefined) return undefined;
  const peak = s.peakBytes[s.primarySignal];
  if (typeof peak !== "number")
    return outcome("max-peak", "warn", run, s.strategy, `${s.strategy}: no peak of ${s.primarySignal} recorded`);
  const peakMiB = peak / MIB;
  const status = peakMiB > gate.maxPeakMiB ? "fail" : "pass";
  return outcome(
    "max-peak",
    status,
    run,
    s.strategy,
    `${s.strategy}: peak ${s.primarySignal} ${peakMiB.toFixed(1)} MiB; limit ${gate.maxPeakMiB} MiB`,
  );
}

function ci(t: ThroughputComparison): string {
  return `${t.ratio.toFixed(2)}× [${t.ratioCi[0].toFixed(2)}, ${t.ratioCi[1].toFixed(2)}]`;
}

function speedOutcomes(run: ScenarioRunResult, gate: GateSpec): GateOutcome[] {
  const out: GateOutcome[] = [];
  const byName = new Map((run.throughput ?? []).map((t) => [t.strategy, t]));
  for (const [name, threshold] of Object.entries(gate.minSpeedup) as Array<[StrategyName, number | undefined]>) {
    if (threshold === undefined) continue;
    if (!run.strategies.some((s) => s.strategy === name)) continue;
    const t = byName.get(name);
    if (!t || t.claim === "no-data") {
      out.push(
        outcome(
          "min-speedup",
          "fail",
          run,
          name,
          `${name}: no throughput ratio vs ${run.baseline}; required ≥ ${threshold}×`,
        ),
      );
      continue;
    }
    const [lo, hi] = t.ratioCi;
    const status = lo >= threshold ? "pass" : "fail";
    const why = status === "pass" ? "whole interval at or above" : hi < threshold ? "below" : "interval reaches below";
    out.push(
      outcome(
        "min-speedup",
        status,
        run,
        name,
        `${name}: ${ci(t)} vs ${run.baseline} — ${why} the required ${threshold}×`,
      ),
    );
  }
  if (gate.maxSlowdown !== undefined) {
    const floor = 1 - gate.maxSlowdown;
    for (const t of run.throughput ?? []) {
      if (t.strategy === run.baseline || t.claim === "no-data") continue;
      const status = t.ratioCi[1] < floor ? "fail" : t.ratio < floor ? "warn" : "pass";
      const why =
        status === "fail"
          ? "whole interval below"
          : status === "warn"
            ? "estimate below (interval reaches above)"
            : "not shown below";
      out.push(
        outcome(
          "max-slowdown",
          status,
          run,
          t.strategy,
          `${t.strategy}: ${ci(t)} vs ${run.baseline} — ${why} the floor ${floor.toFixed(2)}× (max slowdown ${(gate.maxSlowdown * 100).toFixed(0)} %)`,
        ),
      );
    }
  }
  return out;
}

function baselineOutcomes(results: ResultsFile, c: Comparison, overrides?: Partial<GateSpec>): GateOutcome[] {
  const out: GateOutcome[] = [];
  const runs = new Map(results.runs.map((r) => [r.key, r]));
  for (const sc of c.strategies) {
    const run = runs.get(sc.run);
    if (!run) continue;
    const gate = effectiveGate(run, overrides);
    // A baseline given on purpose gates with the defaults when the scenario sets no threshold.
    const maxRegression = gate.maxRegression ?? DEFAULT_MAX_REGRESSION;
    const maxMemoryIncrease = gate.maxMemoryIncrease ?? DEFAULT_MAX_MEMORY_INCREASE;
    const t = sc.throughput;
    if (t.ratio !== undefined && t.ratioCi) {
      const floor = 1 - maxRegression;
      let status: GateOutcome["status"] = t.ratioCi[1] < floor ? "fail" : t.ratio < floor ? "warn" : "pass";
      // Too noisy to decide (round-to-round CV past the limit): inconclusive, a warning, never a failure.
      const noisy = t.cv && (t.cv.base > c.thresholds.maxCv || t.cv.head > c.thresholds.maxCv);
      const inconclusive = status !== "pass" && noisy;
      if (inconclusive) status = "warn";
      const change = `${(t.baseItemsPerSecond ?? 0).toFixed(1)} → ${(t.headItemsPerSecond ?? 0).toFixed(1)} items/s, ${t.ratio.toFixed(3)}× [${t.ratioCi[0].toFixed(3)}, ${t.ratioCi[1].toFixed(3)}]`;
      const why = inconclusive
        ? `inconclusive: rounds vary by ${((t.cv?.base ?? 0) * 100).toFixed(0)} % (base) and ${((t.cv?.head ?? 0) * 100).toFixed(0)} % (head), limit ${(c.thresholds.maxCv * 100).toFixed(0)} %; `
        : "";
      out.push(
        outcome(
          "regression",
          status,
          run,
          sc.strategy,
          `${sc.strategy}: ${why}${change} vs baseline; max regression ${(maxRegression * 100).toFixed(0)} %`,
        ),
      );
    }
    const m = sc.peakMemory;
    if (m.ratio !== undefined) {
      let status: GateOutcome["status"] = m.ratio > 1 + maxMemoryIncrease ? "fail" : "pass";
      // One spike, or a run whose level wanders more than the tolerance: inconclusive, a warning.
      const noisy = status === "fail" ? memoryInconclusive(m, maxMemoryIncrease) : undefined;
      if (noisy) status = "warn";
      const change = `${((m.baseBytes ?? 0) / MIB).toFixed(1)} → ${((m.headBytes ?? 0) / MIB).toFixed(1)} MiB (${m.ratio >= 1 ? "+" : ""}${((m.ratio - 1) * 100).toFixed(1)} %)`;
      const why = noisy ? `inconclusive: ${noisy}; ` : "";
      out.push(
        outcome(
          "memory-increase",
          status,
          run,
          sc.strategy,
          `${sc.strategy}: ${why}peak ${m.signal} ${change} vs baseline; max increase ${(maxMemoryIncrease * 100).toFixed(0)} %`,
        ),
      );
    }
  }
  return out;
}
