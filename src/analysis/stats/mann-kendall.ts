/**
 * Mann–Kendall trend test with tie correction and the Hamed–Rao (1998) variance correction
 * for autocorrelated series. Memory traces are strongly autocorrelated (a staircase stays on
 * a step for many points), and the plain test then calls almost any wiggle a trend; the
 * correction inflates Var(S) by n/n*, the effective-sample-size ratio estimated from the
 * autocorrelation of the detrended ranks.
 */
import { linearRegression } from "simple-statistics";
import { normalQuantile, twoSidedP } from "./normal.js";
import { lowerBound } from "./select.js";

export interface MannKendallResult {
  /** Σ sign(y_j − y_i) over i < j. */
  s: number;
  /** Var(S) with the tie correction, before any autocorrelation correction. */
  varS: number;
  /** Var(S) used for z and the p-value (× n/n* when corrected; never below varS). */
  varSCorrected: number;
  /** n/n*: how much autocorrelation inflated the variance (1 = none). */
  varianceFactor: number;
  z: number;
  /** Two-sided p-value. */
  pValue: number;
  /** Kendall's tau-a = S / (n(n−1)/2). */
  tau: number;
  n: number;
}

/** Ranks (1-based, ties get their average rank) of `y`. */
function averageRanks(y: ArrayLike<number>): Float64Array {
  const n = y.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (y[a] as number) - (y[b] as number));
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && y[order[j + 1] as number] === y[order[i] as number]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k] as number] = r;
    i = j + 1;
  }
  return ranks;
}

/**
 * S and the tie-corrected Var(S) of `y` (assumed in time order), in O(n log n): a Fenwick
 * tree over the value ranks counts, for each point, the earlier points below and above it.
 */
export function kendallS(y: ArrayLike<number>): { s: number; varS: number } {
  const n = y.length;
  const sorted = Float64Array.from(y).sort();
  // Distinct values and tie groups.
  const distinct: number[] = [];
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && sorted[j + 1] === sorted[i]) j++;
    const t = j - i + 1;
    if (t > 1) tieTerm += t * (t - 1) * (2 * t + 5);
    distinct.push(sorted[i] as number);
    i = j + 1;
  }
  const d = distinct.length;
  const tree = new Float64Array(d + 1);
  let s = 0;
  for (let j = 0; j < n; j++) {
    const r = lowerBound(distinct, y[j] as number) + 1; // 1-based rank of the value
    let below = 0;
    for (let k = r - 1; k > 0; k -= k & -k) below += tree[k] as number;
    let atOrBelow = 0;
    for (let k = r; k > 0; k -= k & -k) atOrBelow += tree[k] as number;
    const above = j - atOrBelow;
    s += below - above;
    for (let k = r; k <= d; k += k & -k) tree[k] = (tree[k] as number) + 1;
  }
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  return { s, varS };
}

/**
 * Hamed–Rao n/n*: 1 + 2/(n(n−1)(n−2)) Σ (n−k)(n−k−1)(n−k−2) ρ_k over the lags whose rank
 * autocorrelation of the detrended series is significant at 5 %, floored by the AR(1)
 * factor from the lag-1 rank autocorrelation and by 1: the correction may only make the
 * test more cautious.
 */
export function hamedRaoFactor(detrended: ArrayLike<number>, maxLag?: number): number {
  const n = detrended.length;
  if (n < 4) return 1;
  const r = averageRanks(detrended);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += r[i] as number;
  mean /= n;
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += ((r[i] as number) - mean) ** 2;
  if (c0 === 0) return 1;
  const lagCap = Math.min(n - 3, maxLag ?? Math.ceil(n / 3));
  const bound = normalQuantile(0.975) / Math.sqrt(n);
  let sum = 0;
  for (let k = 1; k <= lagCap; k++) {
    let ck = 0;
    for (let i = 0; i + k < n; i++) ck += ((r[i] as number) - mean) * ((r[i + k] as number) - mean);
    const rho = ck / c0;
    if (Math.abs(rho) > bound) sum += (n - k) * (n - k - 1) * (n - k - 2) * rho;
  }
  const hamedRao = 1 + (2 * sum) / (n * (n - 1) * (n - 2));
  // Lag-1 (AR(1)) effective-sample-size factor 1 + 2 Σ (1 − k/n) ρ₁^k as a floor: the
  // significance screen above drops the many small lags of a strongly persistent series.
  let lag1 = 0;
  for (let i = 0; i + 1 < n; i++) lag1 += ((r[i] as number) - mean) * ((r[i + 1] as number) - mean);
  const rho1 = Math.min(0.99, lag1 / c0);
  let ar1 = 1;
  if (rho1 > 0) {
    let pk = 1;
    for (let k = 1; k < n; k++) {
      pk *= rho1;
      if (pk < 1e-6) break;
      ar1 += 2 * (1 - k / n) * pk;
    }
  }
  return Math.max(1, hamedRao, ar1);
}

export interface MannKendallOptions {
  /** Apply the Hamed–Rao correction (default true). */
  autocorrelation?: boolean;
  /**
   * Slope to detrend by before estimating autocorrelation (default: least-squares slope on x).
   * Detrending matters: the ranks of a trending series are autocorrelated by the trend itself.
   */
  detrendSlope?: number;
  /** Positions (x) used for detrending; default 0..n−1. */
  x?: ArrayLike<number>;
  maxLag?: number;
}

/** Least-squares slope of y on x (simple-statistics' linearRegression); 0 when every x is the same. */
function lsSlope(x: (i: number) => number, y: ArrayLike<number>): number {
  const { m } = linearRegression(Array.from(y, (yi, i) => [x(i), yi]));
  return Number.isFinite(m) ? m : 0;
}

/** Mann–Kendall test of `y` (in time order). n < 3 gives p = 1. */
export function mannKendall(y: ArrayLike<number>, opts: MannKendallOptions = {}): MannKendallResult {
  const n = y.length;
  if (n < 3) return { s: 0, varS: 0, varSCorrected: 0, varianceFactor: 1, z: 0, pValue: 1, tau: 0, n };
  const { s, varS } = kendallS(y);
  let factor = 1;
  if (opts.autocorrelation !== false) {
    const xAt = (i: number) => (opts.x ? (opts.x[i] as number) : i);
    const slope = opts.detrendSlope ?? lsSlope(xAt, y);
    const det = new Float64Array(n);
    for (let i = 0; i < n; i++) det[i] = (y[i] as number) - slope * xAt(i);
    factor = hamedRaoFactor(det, opts.maxLag);
  }
  const v = varS * factor;
  // Continuity correction: S moves in steps of 2.
  const z = v > 0 ? (s > 0 ? (s - 1) / Math.sqrt(v) : s < 0 ? (s + 1) / Math.sqrt(v) : 0) : 0;
  return {
    s,
    varS,
    varSCorrected: v,
    varianceFactor: factor,
    z,
    pValue: v > 0 ? twoSidedP(z) : 1,
    tau: s / ((n * (n - 1)) / 2),
    n,
  };
}
