/**
 * Theil–Sen slope (median of pairwise slopes) with Sen's (1968) distribution-free
 * confidence interval: the interval's ends are the slopes of rank (N − C)/2 and
 * (N + C)/2 + 1 among the N pairwise slopes, C = z_{1−α/2} · √Var(S), where Var(S) is the
 * Mann–Kendall variance — pass the autocorrelation-corrected one to widen the interval
 * for autocorrelated series.
 *
 * Cost: exact up to `maxPairs` pairwise slopes (O(n²) memory/time, meant for block-reduced
 * series of ≤ ~2k points); beyond that, a seeded random sample of `maxPairs` pairs estimates
 * the same quantiles (the interval's ranks are taken as fractions of N).
 */
import { kendallS } from "./mann-kendall.js";
import { normalQuantile } from "./normal.js";
import { mulberry32 } from "./prng.js";
import { medianOf, selectInPlace } from "./select.js";

export interface TheilSenResult {
  /** Median pairwise slope (y units per x unit). */
  slope: number;
  /** Median of y − slope·x. */
  intercept: number;
  /** Confidence interval of the slope at level 1 − alpha. */
  ci: [number, number];
  /** Pairwise slopes the estimate used (all of them, or the sample). */
  pairs: number;
  exact: boolean;
}

export interface TheilSenOptions {
  /** 1 − confidence level (default 0.05). */
  alpha?: number;
  /** Var(S) for the interval (default: tie-corrected Mann–Kendall variance of y, no autocorrelation correction). */
  varS?: number;
  /** Most pairwise slopes to form (default 2,000,000); above it pairs are sampled. */
  maxPairs?: number;
  /** Seed of the pair sample (default 1). */
  seed?: number;
}

/** Theil–Sen fit of y on x. Points with equal x form no slope. Fewer than 2 points: slope 0, CI [−∞, ∞]. */
export function theilSen(x: ArrayLike<number>, y: ArrayLike<number>, opts: TheilSenOptions = {}): TheilSenResult {
  const n = Math.min(x.length, y.length);
  const alpha = opts.alpha ?? 0.05;
  const maxPairs = opts.maxPairs ?? 2_000_000;
  const total = (n * (n - 1)) / 2;
  const exact = total <= maxPairs;
  const slopes = new Float64Array(exact ? total : maxPairs);
  let count = 0;
  if (exact) {
    for (let i = 0; i < n; i++) {
      const xi = x[i] as number;
      const yi = y[i] as number;
      for (let j = i + 1; j < n; j++) {
        const dx = (x[j] as number) - xi;
        if (dx !== 0) slopes[count++] = ((y[j] as number) - yi) / dx;
      }
    }
  } else {
    const rng = mulberry32(opts.seed ?? 1);
    while (count < maxPairs) {
      const i = Math.floor(rng() * n);
      const j = Math.floor(rng() * n);
      const dx = (x[j] as number) - (x[i] as number);
      if (dx !== 0) slopes[count++] = ((y[j] as number) - (y[i] as number)) / dx;
    }
  }
  if (count === 0) return { slope: 0, intercept: n > 0 ? medianOf(y) : 0, ci: [-Infinity, Infinity], pairs: 0, exact };
  const s = slopes.subarray(0, count);
  const mid = count >> 1;
  let slope = selectInPlace(s, mid);
  if (count % 2 === 0) slope = (slope + selectInPlace(s, mid - 1)) / 2;

  const varS = opts.varS ?? kendallS(y).varS;
  const c = normalQuantile(1 - alpha / 2) * Math.sqrt(Math.max(0, varS));
  // Sen's ranks (1-based) as fractions of N, so they apply to a sample of pairs as well.
  const loFrac = (total - c) / 2 / total;
  const hiFrac = ((total + c) / 2 + 1) / total;
  const loIdx = Math.floor(loFrac * count) - 1;
  const hiIdx = Math.ceil(hiFrac * count) - 1;
  const lo = loIdx < 0 ? -Infinity : selectInPlace(s, loIdx);
  const hi = hiIdx >= count ? Infinity : selectInPlace(s, hiIdx);

  const resid = new Float64Array(n);
  for (let i = 0; i < n; i++) resid[i] = (y[i] as number) - slope * (x[i] as number);
  return { slope, intercept: medianOf(resid), ci: [lo, hi], pairs: count, exact };
}
