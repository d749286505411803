/**
 * The recommendation a report closes each scenario run with: the fastest strategy that
 * neither leaks nor leaves memory behind, and why each other strategy was left out.
 */
import type { ScenarioRunResult, StrategyResult } from "../results/types.js";
import type { StrategyName } from "../scenarios/types.js";
import { isDeviceSignal } from "../analysis/analyze-results.js";
import { MIB, medianRate, mib, primaryLeak, residualBytes, slope } from "./format.js";

/** Residue tolerated when the scenario sets no maxResidualMiB: allocator rounding, lazily loaded modules. */
export const DEFAULT_RESIDUE_MIB = 1;

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
}

function exclusion(s: StrategyResult, residueLimitMiB: number | undefined): string | undefined {
  if (s.state !== "completed") return s.state === "oom" ? "ran out of memory" : `did not complete (${s.state})`;
  const leak = primaryLeak(s);
  if (!leak) return "no leak analysis";
  if (leak.verdict === "leak") return `leaks ${slope(leak.slopeBytesPerIteration)}`;
  if (leak.verdict === "inconclusive") return "leak not ruled out (inconclusive)";
  const bound = s.analysis?.shapes?.[s.primarySignal]?.bound;
  if (leak.verdict === "shape-growth" && bound && !bound.fits) return `grows per new shape and would run out of memory after ~${Math.round(bound.shapesToOom ?? 0)} more new shapes`;
  const residue = residualBytes(s);
  // Host allocators keep freed pages (RSS rarely drops after a release), so a default
  // limit is only applied to device memory; an explicit maxResidualMiB applies to both.
  const limited = residueLimitMiB !== undefined || isDeviceSignal(s.primarySignal);
  const limit = residueLimitMiB ?? DEFAULT_RESIDUE_MIB;
  if (residue !== undefined && limited && residue / MIB > limit) return `leaves ${mib(residue)} MiB after release (limit ${limit} MiB)`;
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
  const key = (c: (typeof candidates)[number]): number => (useRatio ? c.ratio! : c.rate ?? -Infinity);
  candidates.sort((a, b) => key(b) - key(a));
  const best = candidates[0];
  if (!best) return { withinNoise: [], excluded };
  const rec: Recommendation = { strategy: best.s.strategy, withinNoise: [], excluded };
  if (best.ratio !== undefined) rec.ratio = best.ratio;
  if (best.ci) rec.ratioCi = best.ci;
  if (best.rate !== undefined) rec.itemsPerSecond = best.rate;
  if (useRatio && best.ci) {
    for (const c of candidates.slice(1)) if (c.ci && c.ci[1] >= best.ci[0]) rec.withinNoise.push(c.s.strategy);
  }
  return rec;
}
