/** Percentile bootstrap, seeded so the same data give the same interval every run. */
import { mulberry32 } from "./prng.js";
import { medianInPlace, medianOf, selectInPlace } from "./select.js";

export interface BootstrapCi {
  /** The statistic on the data itself. */
  estimate: number;
  ci: [number, number];
  resamples: number;
}

/**
 * Percentile-bootstrap confidence interval of the median.
 * @param level confidence level (default 0.95)
 * @param resamples bootstrap resamples (default 4000)
 */
export function bootstrapMedianCi(
  values: ArrayLike<number>,
  opts: { level?: number; resamples?: number; seed?: number } = {},
): BootstrapCi {
  const n = values.length;
  const level = opts.level ?? 0.95;
  const b = opts.resamples ?? 4000;
  if (n === 0) return { estimate: NaN, ci: [NaN, NaN], resamples: 0 };
  const estimate = medianOf(values);
  if (n === 1) return { estimate, ci: [estimate, estimate], resamples: 0 };
  const rng = mulberry32(opts.seed ?? 0x5eed);
  const sample = new Float64Array(n);
  const stats = new Float64Array(b);
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < n; i++) sample[i] = values[Math.floor(rng() * n)] as number;
    stats[r] = medianInPlace(sample); // sample is refilled every resample: sorting it in place is free
  }
  return { estimate, ci: percentiles(stats, level), resamples: b };
}

function percentiles(stats: Float64Array, level: number): [number, number] {
  const b = stats.length;
  const tail = (1 - level) / 2;
  const lo = selectInPlace(stats, Math.max(0, Math.floor(tail * b)));
  const hi = selectInPlace(stats, Math.min(b - 1, Math.ceil((1 - tail) * b) - 1));
  return [lo, hi];
}

/** Percentile-bootstrap CI of the mean (for increments that are mostly 0 with rare steps). */
export function bootstrapMeanCi(
  values: ArrayLike<number>,
  opts: { level?: number; resamples?: number; seed?: number } = {},
): BootstrapCi {
  const n = values.length;
  const b = opts.resamples ?? 4000;
  if (n === 0) return { estimate: NaN, ci: [NaN, NaN], resamples: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] as number;
  const estimate = sum / n;
  if (n === 1) return { estimate, ci: [estimate, estimate], resamples: 0 };
  const rng = mulberry32(opts.seed ?? 0x5eed);
  const stats = new Float64Array(b);
  for (let r = 0; r < b; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rng() * n)] as number;
    stats[r] = s / n;
  }
  return { estimate, ci: percentiles(stats, opts.level ?? 0.95), resamples: b };
}

/**
 * Percentile-bootstrap CI of median(a) ÷ median(b), resampling the two independent
 * groups separately (e.g. latency of first-seen-shape calls over repeat calls).
 */
export function bootstrapMedianRatioCi(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  opts: { level?: number; resamples?: number; seed?: number } = {},
): BootstrapCi {
  const na = a.length;
  const nb = b.length;
  const reps = opts.resamples ?? 2000;
  if (na === 0 || nb === 0) return { estimate: NaN, ci: [NaN, NaN], resamples: 0 };
  const estimate = medianOf(a) / medianOf(b);
  const rng = mulberry32(opts.seed ?? 0x5eed);
  const sa = new Float64Array(na);
  const sb = new Float64Array(nb);
  const stats = new Float64Array(reps);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < na; i++) sa[i] = a[Math.floor(rng() * na)] as number;
    for (let i = 0; i < nb; i++) sb[i] = b[Math.floor(rng() * nb)] as number;
    stats[r] = medianInPlace(sa) / medianInPlace(sb);
  }
  return { estimate, ci: percentiles(stats, opts.level ?? 0.95), resamples: reps };
}
