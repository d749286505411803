/**
 * The recommendation that closes each scenario run: among the strategies not excluded (a
 * fault, a leak, an undecided verdict, an unbounded shape growth, a residual over the
 * limit), the first by throughput against the baseline, and why each other strategy was
 * left out — as figures and reason codes, stored in the results file (ScenarioRunResult.
 * recommendation); src/report/recommend.ts says it in words.
 */
import { MIB } from "../format.js";
import type { ScenarioRunResult, StrategyResult } from "../results/types.js";
import type { Exclusion, Recommendation } from "../results/verdicts.js";
import { isDeviceSignal, medianRate, primaryLeak, residualAfter, residualBytes } from "./figures.js";

/** Residual tolerated when the scenario sets no maxResidualMiB: allocator rounding, lazily loaded modules. */
const DEFAULT_RESIDUAL_MIB = 1;

/**
 * What the process keeps whatever the strategy: the least residual any completed strategy
 * of the run left after release (libtorch keeps ~100 MiB of cuBLAS/cuDNN workspaces and
 * loaded kernels once it has run, however often the context is released). Needs two
 * strategies that released and measured one: a single residual has nothing to be held against.
 */
function residualFloor(run: ScenarioRunResult, limitMiB: number): number | undefined {
  const released = run.strategies
    .filter((s) => s.state === "completed" && typeof s.residual?.afterReleaseBytes === "number")
    .map(residualBytes)
    .filter((b): b is number => b !== undefined);
  if (released.length < 2) return undefined;
  const floor = Math.min(...released);
  // A floor within the limit changes nothing: leave it out of the figures and the words.
  return floor / MIB > limitMiB ? floor : undefined;
}

/** How many completed strategies of the run measured a residual after releasing. */
function releasedCount(run: ScenarioRunResult): number {
  return run.strategies.filter((s) => s.state === "completed" && typeof s.residual?.afterReleaseBytes === "number")
    .length;
}

/**
 * Why a residual is held to no limit (undefined: it is held to one). With no gate.maxResidualMiB:
 * host memory ("host": allocators keep freed pages), or device memory when only one strategy
 * released ("one-release": what the process keeps anyway — CUDA context, library workspaces —
 * cannot be told from what it leaks without a second strategy to hold it against).
 */
function ungated(s: StrategyResult, explicit: boolean, released: number): "host" | "one-release" | undefined {
  if (explicit) return undefined;
  if (!isDeviceSignal(s.primarySignal)) return "host";
  return released < 2 ? "one-release" : undefined;
}

function exclusion(
  s: StrategyResult,
  residualLimitMiB: number | undefined,
  floor: number | undefined,
  released: number,
): Exclusion | undefined {
  if (s.state !== "completed") return s.state === "oom" ? { code: "oom" } : { code: "not-completed", state: s.state };
  const leak = primaryLeak(s);
  if (!leak) return { code: "no-analysis" };
  if (leak.verdict === "leak") return { code: "leak", slopeBytesPerIteration: leak.slopeBytesPerIteration };
  if (leak.verdict === "inconclusive") return { code: "inconclusive" };
  const bound = s.analysis?.shapes?.[s.primarySignal]?.bound;
  if (leak.verdict === "shape-growth" && bound && !bound.fits)
    return { code: "shape-growth-unbounded", shapesToOom: Math.round(bound.shapesToOom ?? 0) };
  const residual = residualBytes(s);
  // Host allocators keep freed pages (RSS rarely drops after a release), and one released
  // strategy has nothing to be held against: a default limit applies only to device memory
  // with two strategies that released; an explicit maxResidualMiB applies always.
  const limited = ungated(s, residualLimitMiB !== undefined, released) === undefined;
  const limit = residualLimitMiB ?? DEFAULT_RESIDUAL_MIB;
  // A strategy is held to what it leaves beyond the process's floor, not to the floor itself.
  if (residual !== undefined && limited && (residual - (floor ?? 0)) / MIB > limit)
    return {
      code: "residual",
      residualBytes: residual,
      limitMiB: limit,
      ...(floor !== undefined ? { floorBytes: floor } : {}),
    };
  return undefined;
}

export function recommend(run: ScenarioRunResult): Recommendation {
  const limit = run.gate.maxResidualMiB;
  const floor = residualFloor(run, limit ?? DEFAULT_RESIDUAL_MIB);
  const excluded: Recommendation["excluded"] = [];
  const ratios = new Map((run.throughput ?? []).filter((t) => t.claim !== "no-data").map((t) => [t.strategy, t]));
  const candidates: Array<{ s: StrategyResult; ratio?: number; ci?: [number, number]; rate?: number }> = [];
  for (const s of run.strategies) {
    const why = exclusion(s, limit, floor, releasedCount(run));
    if (why) {
      excluded.push({ strategy: s.strategy, ...why });
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
  const residual = residualBytes(best.s);
  rec.memory = {
    verdict: primaryLeak(best.s)?.verdict ?? "not analysed",
    residualLimitMiB: limit ?? DEFAULT_RESIDUAL_MIB,
    residualGated: ungated(best.s, limit !== undefined, releasedCount(run)) === undefined,
    ...(residual !== undefined ? { residualBytes: residual, residualAfter: residualAfter(best.s) ?? "release" } : {}),
    ...(ungated(best.s, limit !== undefined, releasedCount(run)) === "one-release"
      ? { residualUngated: "one-release" as const }
      : {}),
    ...(floor !== undefined ? { residualFloorBytes: floor } : {}),
  };
  return rec;
}
