/**
 * The recommendation a report closes each scenario run with: among the strategies not
 * excluded (a fault, a leak, an undecided verdict, an unbounded shape growth, a residual over
 * the limit), the first by throughput against the baseline, and why each other strategy was
 * left out. `recommendationWords` says it in words that match the numbers (issue #12): what
 * the ranking is by (the median of per-round ratios from interleaved rounds, not the raw
 * calls/s column), which strategies it cannot tell apart (overlapping 95 % intervals), and
 * what is known of the winner's memory, never more.
 */
import type { ScenarioRunResult, StrategyResult } from "../results/types.js";
import type { StrategyName } from "../scenarios/types.js";
import { isDeviceSignal } from "../analysis/analyze-results.js";
import { MIB, ci2, mib, rate, slope, times } from "../format.js";
import { medianRate, primaryLeak, residualBytes } from "../analysis/figures.js";

/** Residue tolerated when the scenario sets no maxResidualMiB: allocator rounding, lazily loaded modules. */
const DEFAULT_RESIDUE_MIB = 1;

export interface Recommendation {
  /** Undefined when every strategy was excluded. */
  strategy?: StrategyName;
  /** Its throughput ÷ the baseline's (1 for the baseline itself), when known. */
  ratio?: number;
  ratioCi?: [number, number];
  /** Median items/s over rounds. */
  itemsPerSecond?: number;
  /** Candidates whose interval overlaps the winner's: the order between them is not shown. */
  withinNoise: StrategyName[];
  excluded: Array<{ strategy: StrategyName; reason: string }>;
  /**
   * What put the winner first: `ratio` (median of per-round ratios to the baseline from
   * interleaved rounds), `rate` (median calls/s: some candidate has no ratio), or `only`
   * (every other strategy was excluded).
   */
  rankedBy?: "ratio" | "rate" | "only";
  /** Candidates with a higher median calls/s than the winner (ranked lower by the ratio). */
  higherRate: Array<{ strategy: StrategyName; itemsPerSecond: number }>;
  /** What is known of the winner's memory. */
  memory?: {
    verdict: string;
    /** Largest residual measured after release, bytes; undefined when not measured. */
    residualBytes?: number;
    /** Limit the residual was held to, MiB (the scenario's, else DEFAULT_RESIDUE_MIB). */
    residualLimitMiB: number;
    /** false: a host signal with no gate.maxResidualMiB, where no limit is applied. */
    residualGated: boolean;
  };
}

function exclusion(s: StrategyResult, residueLimitMiB: number | undefined): string | undefined {
  if (s.state !== "completed") return s.state === "oom" ? "ran out of memory" : `did not complete (${s.state})`;
  const leak = primaryLeak(s);
  if (!leak) return "no leak analysis";
  if (leak.verdict === "leak") return `leaks ${slope(leak.slopeBytesPerIteration)}`;
  if (leak.verdict === "inconclusive") return "leak not ruled out (inconclusive)";
  const bound = s.analysis?.shapes?.[s.primarySignal]?.bound;
  if (leak.verdict === "shape-growth" && bound && !bound.fits)
    return `grows per new shape and would run out of memory after ~${Math.round(bound.shapesToOom ?? 0)} more new shapes`;
  const residue = residualBytes(s);
  // Host allocators keep freed pages (RSS rarely drops after a release), so a default
  // limit is only applied to device memory; an explicit maxResidualMiB applies to both.
  const limited = residueLimitMiB !== undefined || isDeviceSignal(s.primarySignal);
  const limit = residueLimitMiB ?? DEFAULT_RESIDUE_MIB;
  if (residue !== undefined && limited && residue / MIB > limit)
    return `leaves ${mib(residue)} MiB after release (limit ${limit} MiB)`;
  return undefined;
}

export function recommend(run: ScenarioRunResult): Recommendation {
  const limit = run.gate.maxResidualMiB;
  const excluded: Recommendation["excluded"] = [];
  const ratios = new Map((run.throughput ?? []).filter((t) => t.claim !== "no-data").map((t) => [t.strategy, t]));
  const candidates: Array<{ s: StrategyResult; ratio?: number; ci?: [number, number]; rate?: number }> = [];
  for (const s of run.strategies) {
    const why = exclusion(s, limit);
    if (why) {
      excluded.push({ strategy: s.strategy, reason: why });
      continue;
    }
    const t = ratios.get(s.strategy);
    const c: (typeof candidates)[number] = { s };
    if (s.strategy === run.baseline) {
      c.ratio = 1;
      c.ci = [1, 1];
    } else if (t) {
      c.ratio = t.ratio;
      c.ci = t.ratioCi;
    }
    const rate = medianRate(s.rounds);
    if (rate !== undefined) c.rate = rate;
    candidates.push(c);
  }
  // Ratios come from interleaved rounds (fairer than raw rates); fall back to rates without them.
  const useRatio = candidates.every((c) => c.ratio !== undefined);
  const key = (c: (typeof candidates)[number]): number => (useRatio ? c.ratio! : (c.rate ?? -Infinity));
  candidates.sort((a, b) => key(b) - key(a));
  const best = candidates[0];
  if (!best) return { withinNoise: [], excluded, higherRate: [] };
  const rec: Recommendation = { strategy: best.s.strategy, withinNoise: [], excluded, higherRate: [] };
  rec.rankedBy = candidates.length === 1 ? "only" : useRatio ? "ratio" : "rate";
  if (best.ratio !== undefined) rec.ratio = best.ratio;
  if (best.ci) rec.ratioCi = best.ci;
  if (best.rate !== undefined) rec.itemsPerSecond = best.rate;
  if (useRatio && best.ci) {
    for (const c of candidates.slice(1)) if (c.ci && c.ci[1] >= best.ci[0]) rec.withinNoise.push(c.s.strategy);
  }
  for (const c of candidates.slice(1)) {
    if (c.rate !== undefined && best.rate !== undefined && c.rate > best.rate)
      rec.higherRate.push({ strategy: c.s.strategy, itemsPerSecond: c.rate });
  }
  const residue = residualBytes(best.s);
  rec.memory = {
    verdict: primaryLeak(best.s)?.verdict ?? "not analysed",
    residualLimitMiB: limit ?? DEFAULT_RESIDUE_MIB,
    residualGated: limit !== undefined || isDeviceSignal(best.s.primarySignal),
    ...(residue !== undefined ? { residualBytes: residue } : {}),
  };
  return rec;
}

const VERDICT_WORDS: Record<string, string> = {
  flat: "flat",
  plateau: "grew, then stopped (plateau)",
  "shape-growth": "grows only at new shapes, within what the device holds",
};

/**
 * The recommendation as sentences, each claim backed by a figure: what it is ranked by and
 * its ratio, what the ranking cannot tell apart, and what was measured of its memory.
 * `code` marks strategy names (backticks in markdown); `terse` gives the short lines of the
 * terminal (within 100 columns for the usual names). Empty when nothing is recommended.
 */
export function recommendationWords(
  run: ScenarioRunResult,
  rec: Recommendation,
  opts: { code?: (s: string) => string; terse?: boolean } = {},
): string[] {
  const name = rec.strategy;
  if (!name) return [];
  const code = opts.code ?? ((s: string) => s);
  const terse = opts.terse === true;
  const out: string[] = [];
  const ratioOf = (s: StrategyName): string => {
    if (s === run.baseline) return terse ? "1.00× (baseline)" : "1.00×, the baseline";
    const t = (run.throughput ?? []).find((x) => x.strategy === s && x.claim !== "no-data");
    return t ? `${times(t.ratio)} ${ci2(t.ratioCi)}` : "no ratio";
  };
  const base = code(run.baseline);
  const by = terse
    ? `× ${base} (median per-round ratio, interleaved rounds)`
    : `throughput against ${base}, the median of per-round ratios from interleaved rounds`;
  const calls = rec.itemsPerSecond !== undefined ? rate(rec.itemsPerSecond) : "n/a";
  if (rec.rankedBy === "only" && name === run.baseline)
    out.push(
      terse ? "the only strategy not excluded (the baseline)" : "The only strategy not excluded (the baseline).",
    );
  else if (rec.rankedBy === "only")
    out.push(
      terse
        ? `the only strategy not excluded; ${by}: ${ratioOf(name)}`
        : `The only strategy not excluded (${by}: ${ratioOf(name)}).`,
    );
  else if (rec.rankedBy === "rate")
    out.push(
      terse
        ? `ranked by median calls/s (${calls}): not every strategy has a ratio to ${base}`
        : `Ranked first by median calls/s (${calls}): not every strategy has a ratio to ${base}.`,
    );
  else out.push(terse ? `ranked by ${by}: ${ratioOf(name)}` : `Ranked first by ${by}: ${ratioOf(name)}.`);
  if (rec.withinNoise.length) {
    const list = rec.withinNoise
      .map((s) => `${code(s)} ${terse ? "" : "("}${ratioOf(s)}${terse ? "" : ")"}`)
      .join(", ");
    out.push(
      terse
        ? `not told apart from ${list}: the 95 % intervals overlap`
        : `Not told apart from ${list}: the 95 % intervals overlap, so the order between them is not decided.`,
    );
  }
  if (rec.rankedBy === "ratio" && rec.higherRate.length && rec.itemsPerSecond !== undefined) {
    const list = rec.higherRate.map((h) => `${code(h.strategy)} ${rate(h.itemsPerSecond)}`).join(", ");
    out.push(
      terse
        ? `more calls/s: ${list} (vs ${calls}); calls/s drifts between rounds, the ratio pairs them`
        : `Its median calls/s (${calls}) is below ${list}: calls/s is a median over rounds that drift, the ratio compares each round side by side.`,
    );
  }
  const m = rec.memory;
  if (m) {
    const leakWords = VERDICT_WORDS[m.verdict] ?? `verdict ${m.verdict}`;
    let residual: string;
    if (m.residualBytes === undefined)
      residual = `${terse ? "no residual measured" : "residual after release not measured"}${name === "persistent" ? " (persistent never releases)" : ""}`;
    else if (!m.residualGated && m.residualBytes / MIB > m.residualLimitMiB)
      residual = terse
        ? `leaves ${mib(m.residualBytes)} MiB of host memory after release (no limit set)`
        : `leaves ${mib(m.residualBytes)} MiB of host memory after release (not held to a limit: host allocators keep freed pages; gate.maxResidualMiB sets one)`;
    else
      residual = `${mib(m.residualBytes)} MiB left after release${m.residualGated ? ` (limit ${m.residualLimitMiB} MiB)` : ""}`;
    out.push(terse ? `memory: ${leakWords}; ${residual}` : `Memory: ${leakWords}; ${residual}.`);
  }
  return out;
}
