/**
 * Block reduction: a long series becomes at most `maxBlocks` blocks of equal point count,
 * each summarised by min / max / mean. One pass, O(n), so a 10^7-point trace reduces in
 * tens of milliseconds; everything after it runs on ≤ maxBlocks points.
 */

export interface ReducedSeries {
  /** Points per block (the last block may hold fewer). */
  blockSize: number;
  /** Mid-point iteration of each block ((first + last) / 2). */
  iteration: Float64Array;
  firstIteration: Float64Array;
  lastIteration: Float64Array;
  /** Smallest value in each block (the floor: what is never released rises in a leak). */
  min: Float64Array;
  /** Largest value in each block (the high-water mark). */
  max: Float64Array;
  mean: Float64Array;
  /** Time at the block's last point, ms, when times were given. */
  timeMs?: Float64Array;
}

/**
 * Reduce points [start, end) of a series.
 * @param maxBlocks upper bound on blocks; when the range has no more points than this, each point is its own block.
 */
export function blockReduce(
  iteration: ArrayLike<number>,
  value: ArrayLike<number>,
  maxBlocks: number,
  timeMs?: ArrayLike<number>,
  start = 0,
  end = value.length,
  /** Per-point floors (when points are blocks already); block min is taken over these. */
  floor?: ArrayLike<number>,
): ReducedSeries {
  const n = Math.max(0, end - start);
  const blockSize = Math.max(1, Math.ceil(n / Math.max(1, maxBlocks)));
  const m = Math.ceil(n / blockSize);
  const out: ReducedSeries = {
    blockSize,
    iteration: new Float64Array(m),
    firstIteration: new Float64Array(m),
    lastIteration: new Float64Array(m),
    min: new Float64Array(m),
    max: new Float64Array(m),
    mean: new Float64Array(m),
  };
  const times = timeMs ? new Float64Array(m) : undefined;
  for (let k = 0; k < m; k++) {
    const a = start + k * blockSize;
    const b = Math.min(end, a + blockSize);
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    for (let i = a; i < b; i++) {
      const v = value[i] as number;
      const f = floor ? Math.min(v, floor[i] as number) : v;
      if (f < lo) lo = f;
      if (v > hi) hi = v;
      sum += v;
    }
    const first = iteration[a] as number;
    const last = iteration[b - 1] as number;
    out.firstIteration[k] = first;
    out.lastIteration[k] = last;
    out.iteration[k] = (first + last) / 2;
    out.min[k] = lo;
    out.max[k] = hi;
    out.mean[k] = sum / (b - a);
    if (times && timeMs) times[k] = timeMs[b - 1] as number;
  }
  if (times) out.timeMs = times;
  return out;
}
