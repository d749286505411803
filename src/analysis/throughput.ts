/**
 * Throughput of each strategy against the baseline, from interleaved rounds (A B A B …):
 * each round's ratio uses the baseline's same round, so slow drifts of the machine
 * (clocks, thermal state) cancel out. The claim is made only when the whole bootstrap
 * interval of the median ratio lies past 1 ± threshold.
 */
import { quantileSorted } from "simple-statistics";
import { bootstrapMedianCi } from "./stats/bootstrap.js";
import type { LatencySummary, RoundResult } from "../results/types.js";
import type { StrategyName } from "../scenarios/types.js";
import type { ThroughputComparison } from "../results/verdicts.js";

export interface ThroughputOptions {
  /** Relative difference treated as noise (default 0.05 = ±5 %). */
  threshold?: number;
  /** Bootstrap seed (default fixed, so reports are reproducible). */
  seed?: number;
}

/**
 * Distribution-free CI of a median: [x_(k), x_(n−k+1)] with the largest k whose binomial
 * coverage 1 − 2·P(Bin(n, ½) < k) is at least `level`; [min, max] when no k reaches it.
 */
export function medianOrderCi(values: number[], level: number): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  let k = 1;
  let below = 0; // P(Bin(n, ½) ≤ k − 1)
  let pmf = 0.5 ** n; // P(Bin = 0)
  for (let j = 1; j <= n >> 1; j++) {
    below += pmf; // now P(Bin ≤ j − 1)
    if (1 - 2 * below >= level) k = j;
    else break;
    pmf *= (n - j + 1) / j; // P(Bin = j)
  }
  return [sorted[k - 1] as number, sorted[n - k] as number];
}

/**
 * Compare every strategy but the baseline with the baseline. Rounds are paired by their
 * `round` number; a pair where either side has no positive items/s is skipped. Fewer than
 * 2 pairs → claim "no-data" (ratio NaN when there is none).
 */
export function compareThroughput(
  rounds: Partial<Record<StrategyName, RoundResult[]>>,
  baseline: StrategyName,
  opts: ThroughputOptions = {},
): ThroughputComparison[] {
  const threshold = opts.threshold ?? 0.05;
  const base = new Map<number, number>();
  for (const r of rounds[baseline] ?? []) if (r.itemsPerSecond > 0) base.set(r.round, r.itemsPerSecond);
  const out: ThroughputComparison[] = [];
  for (const [name, list] of Object.entries(rounds) as [StrategyName, RoundResult[] | undefined][]) {
    if (name === baseline || !list) continue;
    const ratios: number[] = [];
    for (const r of list) {
      const b = base.get(r.round);
      if (b !== undefined && r.itemsPerSecond > 0) ratios.push(r.itemsPerSecond / b);
    }
    if (ratios.length < 2) {
      const only = ratios[0] ?? NaN;
      out.push({ strategy: name, baseline, ratio: only, ratioCi: [NaN, NaN], claim: "no-data", rounds: ratios.length });
      continue;
    }
    const boot = bootstrapMedianCi(ratios, { seed: opts.seed ?? 0x7e57 });
    // The percentile bootstrap is too narrow for a handful of rounds: never report less
    // than the distribution-free order-statistic interval of the median.
    const exact = medianOrderCi(ratios, 0.95);
    const lo = Math.min(boot.ci[0], exact[0]);
    const hi = Math.max(boot.ci[1], exact[1]);
    const claim = lo > 1 + threshold ? "faster" : hi < 1 - threshold ? "slower" : "within-noise";
    out.push({ strategy: name, baseline, ratio: boot.estimate, ratioCi: [lo, hi], claim, rounds: ratios.length });
  }
  return out;
}

/**
 * Latency percentiles from per-call samples (milliseconds; any order). Percentiles
 * interpolate between order statistics (simple-statistics' quantileSorted).
 * Throws RangeError on an empty array.
 */
export function latencySummary(samplesMs: ArrayLike<number>): LatencySummary {
  const n = samplesMs.length;
  if (n === 0) throw new RangeError("latencySummary: no samples");
  const sorted = Float64Array.from(samplesMs).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  const arr = Array.from(sorted);
  return {
    count: n,
    meanMs: sum / n,
    minMs: sorted[0] as number,
    p50Ms: quantileSorted(arr, 0.5),
    p90Ms: quantileSorted(arr, 0.9),
    p99Ms: quantileSorted(arr, 0.99),
    maxMs: sorted[n - 1] as number,
  };
}

/**
 * Latency percentiles from a histogram: `counts[i]` calls fell in the bucket
 * [edgesMs[i], edgesMs[i+1]). Percentiles interpolate linearly inside their bucket; the
 * mean uses bucket mid-points. For long runs where keeping every sample costs too much.
 */
export function latencySummaryFromHistogram(edgesMs: ArrayLike<number>, counts: ArrayLike<number>): LatencySummary {
  const buckets = Math.min(counts.length, edgesMs.length - 1);
  let total = 0;
  let weighted = 0;
  let minMs = NaN;
  let maxMs = NaN;
  for (let i = 0; i < buckets; i++) {
    const c = counts[i] as number;
    if (c <= 0) continue;
    const lo = edgesMs[i] as number;
    const hi = edgesMs[i + 1] as number;
    if (Number.isNaN(minMs)) minMs = lo;
    maxMs = hi;
    total += c;
    weighted += c * ((lo + hi) / 2);
  }
  if (total === 0) throw new RangeError("latencySummaryFromHistogram: no samples");
  const at = (q: number): number => {
    const target = q * total;
    let acc = 0;
    for (let i = 0; i < buckets; i++) {
      const c = counts[i] as number;
      if (c <= 0) continue;
      if (acc + c >= target) {
        const lo = edgesMs[i] as number;
        const hi = edgesMs[i + 1] as number;
        return lo + ((target - acc) / c) * (hi - lo);
      }
      acc += c;
    }
    return maxMs;
  };
  return { count: total, meanMs: weighted / total, minMs, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), maxMs };
}
