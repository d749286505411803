/**
 * Order statistics without a full sort or a copy, for hot loops over a reused buffer
 * (bootstrap resamples, Theil–Sen's pairwise slopes). simple-statistics' median and
 * quantile copy their input on every call; medianOf, for one-off medians, is its median.
 */
import { median } from "simple-statistics";

/**
 * k-th smallest (0-based) of `a[0..n)`, rearranging `a` in place (Hoare quickselect with
 * median-of-three pivots; expected O(n)).
 */
export function selectInPlace(a: Float64Array, k: number, n = a.length): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as pivot avoids O(n^2) on sorted input (staircases give sorted runs).
    const x = a[lo] as number,
      y = a[mid] as number,
      z = a[hi] as number;
    const pivot = x < y ? (y < z ? y : Math.max(x, z)) : x < z ? x : Math.max(y, z);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}

/** Median of an array (simple-statistics' median; the input is left untouched). NaN for an empty array. */
export function medianOf(values: ArrayLike<number>): number {
  return values.length === 0 ? Number.NaN : median(Array.from(values));
}

/** Median of `a`, rearranging it in place (no allocation: for hot loops over a reused buffer). NaN when empty. */
export function medianInPlace(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return NaN;
  const hi = selectInPlace(a, n >> 1);
  if (n % 2 === 1) return hi;
  let lo = -Infinity;
  for (let i = 0; i < n >> 1; i++) if ((a[i] as number) > lo) lo = a[i] as number;
  return (lo + hi) / 2;
}

/** Index of the first element ≥ v in an ascending array-like. */
export function lowerBound(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
