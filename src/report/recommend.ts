/**
 * The recommendation (src/analysis/recommend.ts decides it; the results file stores it) in
 * words that match the numbers (issue #12): what the ranking is by (the median of per-round
 * ratios from interleaved rounds, not the raw calls/s column), which strategies it cannot
 * tell apart (overlapping 95 % intervals), what is known of the winner's memory, and why
 * each other strategy was left out.
 */
import { MIB, ci2, mib, rate, slope, times } from "../format.js";
import type { ScenarioRunResult } from "../results/types.js";
import type { Exclusion, Recommendation } from "../results/verdicts.js";
import type { StrategyName } from "../scenarios/types.js";

/** Why a strategy was left out, as a clause: "leaks +1.50 MiB/iter". */
export function exclusionWords(e: Exclusion): string {
  switch (e.code) {
    case "oom":
      return "ran out of memory";
    case "not-completed":
      return `did not complete (${e.state})`;
    case "no-analysis":
      return "no leak analysis";
    case "leak":
      return `leaks ${slope(e.slopeBytesPerIteration)}`;
    case "inconclusive":
      return "leak not ruled out (inconclusive)";
    case "shape-growth-unbounded":
      return `grows per new shape and would run out of memory after ~${e.shapesToOom} more new shapes`;
    case "residual":
      return e.floorBytes !== undefined
        ? `leaves ${mib(e.residualBytes)} MiB after release, ${mib(e.residualBytes - e.floorBytes)} MiB more than the least any strategy left (limit ${e.limitMiB} MiB)`
        : `leaves ${mib(e.residualBytes)} MiB after release (limit ${e.limitMiB} MiB)`;
  }
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
    else if (
      m.residualAfter !== "exit" &&
      m.residualUngated === "one-release" &&
      m.residualBytes / MIB > m.residualLimitMiB
    )
      residual = terse
        ? `leaves ${mib(m.residualBytes)} MiB after release (no limit: the only strategy that released, so what the process keeps anyway is not told apart; gate.maxResidualMiB sets one)`
        : `leaves ${mib(m.residualBytes)} MiB of device memory after release (not held to a limit: it is the only strategy that released, so what the process keeps anyway — CUDA context, library workspaces — cannot be told from what it leaks; gate.maxResidualMiB sets one)`;
    else if (m.residualAfter !== "exit" && !m.residualGated && m.residualBytes / MIB > m.residualLimitMiB)
      residual = terse
        ? `leaves ${mib(m.residualBytes)} MiB of host memory after release (no limit set)`
        : `leaves ${mib(m.residualBytes)} MiB of host memory after release (not held to a limit: host allocators keep freed pages; gate.maxResidualMiB sets one)`;
    else if (m.residualGated && m.residualFloorBytes !== undefined && m.residualFloorBytes / MIB > m.residualLimitMiB)
      // Over the limit but not above the floor: say what the floor is, or the words contradict the limit.
      residual = terse
        ? `${mib(m.residualBytes)} MiB left after release, the least any strategy left (what the process keeps)`
        : `${mib(m.residualBytes)} MiB left after release, ${mib(m.residualBytes - m.residualFloorBytes)} MiB above the least any strategy left (${mib(m.residualFloorBytes)} MiB: what the process keeps whatever the strategy, e.g. library workspaces; limit ${m.residualLimitMiB} MiB above it)`;
    else if (m.residualAfter === "exit")
      // It never released: the only figure is the device's after its process exited.
      residual =
        m.residualBytes < 0
          ? `never released; no device memory left after its process exited (the device ended ${mib(-m.residualBytes)} MiB below its level before the process started)`
          : `never released; ${mib(m.residualBytes)} MiB of device memory left after its process exited`;
    else
      residual = `${mib(m.residualBytes)} MiB left after release${m.residualGated ? ` (limit ${m.residualLimitMiB} MiB)` : ""}`;
    out.push(terse ? `memory: ${leakWords}; ${residual}` : `Memory: ${leakWords}; ${residual}.`);
  }
  return out;
}
