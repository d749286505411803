/** Percentile bootstrap, seeded so the same data give the same interval every run. */
import { mulberry32 } from "./prng.js";
import { medianOf, selectInPlace } from "./select.js";

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
export function bootstrapMedianCi(values: ArrayLike<number>, opts: { level?: number; resamples?: number; seed?: number } = {}): BootstrapCi {
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
    stats[r] = medianOf(sample);
  }
  const tail = (1 - level) / 2;
  const lo = selectInPlace(stats, Math.max(0, Math.floor(tail * b)));
  const hi = selectInPlace(stats, Math.min(b - 1, Math.ceil((1 - tail) * b) - 1));
  return { estimate, ci: [lo, hi], resamples: b };
}
