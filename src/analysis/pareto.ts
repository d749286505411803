/**
 * Sweeps: every (combination × strategy) point of one scenario and sequence, with
 * throughput against the sweep's reference, p99 latency, peak memory and verdict; the
 * Pareto front of peak memory against throughput; and the configuration to ship under the
 * gates (gate.maxPeakMiB, gate.maxP99Ms) and the run's own exclusions (leaks, faults,
 * residuals). Figures and codes only: src/report/sweep.ts words them.
 *
 * Ratios across combinations come from separate runs (not interleaved rounds), so each is a
 * bootstrap interval over both runs' per-round rates — which knows nothing of drift between
 * runs (clocks, thermals, other load). A sweep therefore runs its reference again at the end
 * (`#repeat`); the repeat's rate ÷ the first's is the drift, and it widens every ratio between
 * runs (widenByDrift). Points of the reference run keep their interleaved intervals; the
 * repeat is not a point (same configuration), only the drift figure. The rule: the fastest eligible point;
 * among the eligible points tied with it (each one's estimate inside the other's interval), the
 * one with the least peak memory (throughput that cannot be told apart is not worth memory).
 */
import type { ResultsFile, ScenarioRunResult, StrategyResult } from "../results/types.js";
import type { SweepAnalysis, SweepDrift, SweepExclusion, SweepPointResult } from "../results/sweep.js";
import type { SweepPoint } from "../scenarios/types.js";
import { MIB } from "../format.js";
import { medianRate, primaryLeak } from "./figures.js";
import { bootstrapMedianRatioCi } from "./stats/bootstrap.js";

const rates = (s: StrategyResult): number[] =>
  s.rounds.map((r) => r.itemsPerSecond).filter((x) => Number.isFinite(x) && x > 0);

/** The sweep combination a run measured (its scenario's sweepPoint), if any. */
function sweepPointOf(run: ScenarioRunResult): SweepPoint | undefined {
  const p = (run.config as { sweepPoint?: SweepPoint } | null | undefined)?.sweepPoint;
  return p && typeof p.key === "string" && typeof p.index === "number" ? p : undefined;
}

/**
 * Points on the front: none other has peak ≤ and is at least as fast, with one of them
 * strict. "At least as fast": rate ≥, or tied — with intervals (`ci`, in rate units), each
 * one's rate inside the other's interval, the rule the recommendation uses (throughput that
 * cannot be told apart is not worth memory); `sameRun(i, j)` may decide the tie instead
 * (two strategies of one run, compared interleaved). A point off the front without
 * intervals is off it with them too: intervals only take points off.
 */
export function paretoFront(
  points: ReadonlyArray<{
    rate?: number | undefined;
    peak?: number | undefined;
    ci?: readonly [number, number] | undefined;
  }>,
  sameRun: (i: number, j: number) => boolean | undefined = () => undefined,
): boolean[] {
  const tied = (i: number, j: number): boolean => {
    const within = sameRun(i, j);
    if (within !== undefined) return within;
    const [q, p] = [points[i]!, points[j]!];
    return !!(q.ci && p.ci) && q.rate! >= p.ci![0] && p.rate! >= q.ci![0] && q.rate! <= p.ci![1] && p.rate! <= q.ci![1];
  };
  const asFast = (j: number, i: number): boolean => points[j]!.rate! >= points[i]!.rate! || tied(j, i);
  return points.map((p, i) => {
    if (p.rate === undefined || p.peak === undefined) return false;
    return !points.some(
      (q, j) =>
        j !== i &&
        q.rate !== undefined &&
        q.peak !== undefined &&
        asFast(j, i) &&
        q.peak <= p.peak! &&
        (q.rate > p.rate! || q.peak < p.peak!),
    );
  });
}

function exclusions(run: ScenarioRunResult, s: StrategyResult, p: SweepPointResult): SweepExclusion[] {
  const out: SweepExclusion[] = [];
  const own = run.recommendation?.excluded.find((e) => e.strategy === s.strategy);
  if (own) out.push({ code: "strategy", reason: own.code });
  if (p.itemsPerSecond === undefined || p.peakBytes === undefined) out.push({ code: "no-figures" });
  const { maxPeakMiB, maxP99Ms } = run.gate;
  if (maxPeakMiB !== undefined && p.peakBytes !== undefined && p.peakBytes / MIB > maxPeakMiB)
    out.push({ code: "max-peak", peakBytes: p.peakBytes, limitMiB: maxPeakMiB });
  if (maxP99Ms !== undefined && p.p99Ms !== undefined && p.p99Ms > maxP99Ms)
    out.push({ code: "max-p99", p99Ms: p.p99Ms, limitMs: maxP99Ms });
  return out;
}

/**
 * A ratio's interval between two runs, widened by the drift d measured on the reference.
 * Model: conditions scale every rate by g(t), g = 1 at the reference's first run and d at its
 * repeat; a run in between measured its rate × g(t) with g(t) between 1 and d (the path from
 * start to end; a non-monotone path is not excluded, but the repeat is the only evidence we
 * have). The true ratio is the measured one ÷ g(t), so the lower bound is divided by the
 * largest g the drift's interval allows, max(1, dHigh), and the upper by the smallest,
 * min(1, dLow). Added to the round-to-round interval, not in quadrature: drift is a
 * systematic error of the run's position in the order, not noise that averages out.
 */
export function widenByDrift(ci: [number, number], driftCi: readonly [number, number]): [number, number] {
  return [ci[0] / Math.max(1, driftCi[1]), ci[1] / Math.min(1, driftCi[0])];
}

/** The drift between the reference run and its repeat, or undefined when there is no usable repeat. */
function measureDrift(
  first: ScenarioRunResult,
  repeats: readonly ScenarioRunResult[],
  strategy: StrategyResult["strategy"],
): SweepDrift | undefined {
  const again = repeats.find((r) => r.key === `${first.key}#repeat`);
  const s = again?.strategies.find((x) => x.strategy === strategy);
  const before = first.strategies.find((x) => x.strategy === strategy);
  if (!again || !s || !before) return undefined;
  const a = rates(s);
  const b = rates(before);
  if (a.length === 0 || b.length === 0) return undefined;
  const boot = bootstrapMedianRatioCi(a, b);
  const ci: [number, number] = boot.resamples > 0 ? boot.ci : [boot.estimate, boot.estimate];
  return { run: first.key, repeat: again.key, strategy, ratio: boot.estimate, ci };
}

/**
 * Whether two points of one run are tied, judged by the run's interleaved comparison: true when
 * the ratio between them has an interval that holds 1, false when it does not; undefined when
 * they are of different runs, or neither is the run's baseline (no direct comparison stored).
 */
function sameRunTie(run: ScenarioRunResult | undefined, a: SweepPointResult, b: SweepPointResult): boolean | undefined {
  if (!run || a.run !== b.run || a.run !== run.key || a.strategy === b.strategy) return undefined;
  const other = a.strategy === run.baseline ? b : b.strategy === run.baseline ? a : undefined;
  const t = other && run.throughput?.find((x) => x.strategy === other.strategy);
  if (!t || t.claim === "no-data") return undefined;
  return t.ratioCi[0] <= 1 && t.ratioCi[1] >= 1;
}

function analyzeOne(all: ScenarioRunResult[]): SweepAnalysis | undefined {
  const runs = all.filter((r) => !sweepPointOf(r)!.repeat);
  const first = runs[0];
  const point0 = first && sweepPointOf(first);
  if (!first || !point0) return undefined;
  const refStrategy = first.strategies.find((s) => s.strategy === first.baseline) ?? first.strategies[0];
  if (!refStrategy) return undefined;
  const refRates = rates(refStrategy);
  const drift = measureDrift(
    first,
    all.filter((r) => sweepPointOf(r)!.repeat),
    refStrategy.strategy,
  );
  const points: SweepPointResult[] = [];
  for (const run of runs) {
    const sp = sweepPointOf(run)!;
    for (const s of run.strategies) {
      const p: SweepPointResult = {
        run: run.key,
        combination: sp.key,
        values: sp.values,
        precision: run.precision,
        strategy: s.strategy,
        primarySignal: s.primarySignal,
        verdict: s.state === "completed" ? (primaryLeak(s)?.verdict ?? "not analysed") : s.state,
        excluded: [],
        front: false,
      };
      const rate = medianRate(s.rounds);
      if (rate !== undefined) p.itemsPerSecond = rate;
      const mine = rates(s);
      if (mine.length > 0 && refRates.length > 0) {
        const b = bootstrapMedianRatioCi(mine, refRates);
        p.ratio = b.estimate;
        p.ratioCi = b.resamples > 0 ? b.ci : [b.estimate, b.estimate];
        if (drift && run.key !== first.key) {
          p.ratioCiRounds = p.ratioCi;
          p.ratioCi = widenByDrift(p.ratioCi, drift.ci);
        }
      }
      if (s.latency) p.p99Ms = s.latency.p99Ms;
      const peak = s.peakBytes[s.primarySignal];
      if (typeof peak === "number") p.peakBytes = peak;
      p.excluded = exclusions(run, s, p);
      points.push(p);
    }
  }
  // The front with the ratios' intervals (widened by the drift), in calls/s.
  const byKey = new Map(runs.map((r) => [r.key, r]));
  const front = paretoFront(
    points.map((p) => ({
      rate: p.itemsPerSecond,
      peak: p.peakBytes,
      ci:
        p.ratioCi && p.ratio && p.itemsPerSecond !== undefined
          ? ([p.ratioCi[0] * (p.itemsPerSecond / p.ratio), p.ratioCi[1] * (p.itemsPerSecond / p.ratio)] as const)
          : undefined,
    })),
    (i, j) => sameRunTie(byKey.get(points[i]!.run), points[i]!, points[j]!),
  );
  points.forEach((p, i) => {
    p.front = front[i]!;
  });
  const out: SweepAnalysis = {
    scenario: first.scenario,
    sequence: first.sequence,
    axes: point0.axes,
    reference: { run: first.key, strategy: refStrategy.strategy },
    points,
    ...(drift ? { drift } : {}),
    limits: {
      ...(first.gate.maxPeakMiB !== undefined ? { maxPeakMiB: first.gate.maxPeakMiB } : {}),
      ...(first.gate.maxP99Ms !== undefined ? { maxP99Ms: first.gate.maxP99Ms } : {}),
    },
  };
  const eligible = points.map((p, i) => ({ p, i })).filter(({ p }) => p.excluded.length === 0);
  const speed = (p: SweepPointResult) => p.ratio ?? p.itemsPerSecond ?? 0;
  eligible.sort((a, b) => speed(b.p) - speed(a.p) || (a.p.peakBytes ?? 0) - (b.p.peakBytes ?? 0));
  const fastest = eligible[0];
  if (!fastest) return out;
  if (eligible.length === 1) return { ...out, recommended: fastest.i, rankedBy: "only" };
  // Tied with the fastest: each one's estimate inside the other's interval. Overlapping
  // intervals alone are not enough: widened by drift they overlap for ratios of 1.15 and 2.09
  // (H200 libtorch sweep), and the leaner one would win on memory at half the speed.
  // Two strategies of one run were interleaved: their own comparison (the run's ratio to its
  // baseline) decides, not intervals against the reference in another run.
  const fci = fastest.p.ratioCi;
  const tied = eligible.filter(({ p }) => {
    const within = sameRunTie(byKey.get(p.run), p, fastest.p);
    if (within !== undefined) return within;
    return fci !== undefined && p.ratioCi !== undefined && speed(p) >= fci[0] && speed(fastest.p) <= p.ratioCi[1];
  });
  const leanest = [...tied].sort((a, b) => (a.p.peakBytes ?? 0) - (b.p.peakBytes ?? 0))[0];
  const chosen =
    leanest && leanest.i !== fastest.i && (leanest.p.peakBytes ?? 0) < (fastest.p.peakBytes ?? 0) ? leanest : fastest;
  // Not tied, yet not surely apart either: said beside the recommendation, never hidden.
  const cci = chosen.p.ratioCi;
  const overlapping = eligible
    .filter(({ i }) => i !== chosen.i && !tied.some((t) => t.i === i))
    .filter(({ p }) => {
      if (sameRunTie(byKey.get(p.run), p, chosen.p) !== undefined) return false; // decided within the run
      return cci !== undefined && p.ratioCi !== undefined && p.ratioCi[1] >= cci[0] && p.ratioCi[0] <= cci[1];
    })
    .map(({ i }) => i);
  return {
    ...out,
    recommended: chosen.i,
    rankedBy: chosen === fastest ? "fastest" : "least-memory",
    ...(chosen === fastest ? {} : { fastest: fastest.i }),
    ...(overlapping.length ? { overlapping } : {}),
  };
}

/** One analysis per scenario and sequence that ran a sweep, in run order. */
export function analyzeSweeps(file: ResultsFile): SweepAnalysis[] {
  const groups = new Map<string, ScenarioRunResult[]>();
  for (const run of file.runs) {
    if (!sweepPointOf(run)) continue;
    const id = `${run.scenario}\u0000${run.sequence}`;
    const list = groups.get(id) ?? [];
    list.push(run);
    groups.set(id, list);
  }
  const out: SweepAnalysis[] = [];
  for (const runs of groups.values()) {
    // The reference is the first combination as written (lowest index), whatever ran first.
    runs.sort((a, b) => sweepPointOf(a)!.index - sweepPointOf(b)!.index);
    const a = analyzeOne(runs);
    if (a) out.push(a);
  }
  return out;
}
