/** What the leak detector takes in: a memory series and its options. */

/** A memory series to judge: one value per point, in iteration order. */
export interface MemorySeries {
  /** Iteration index of each point (need not be contiguous: block series skip). */
  iteration: ArrayLike<number>;
  /** Bytes at each point. */
  value: ArrayLike<number>;
  /** Milliseconds since start at each point, when known (for slopes per second). */
  timeMs?: ArrayLike<number>;
  /**
   * Optional floor of each point, bytes, when each point already summarises a block (a
   * BlockSeries' `min` beside its `max` as `value`). Lets the detector see that a sawtooth's
   * or a garbage-collected heap's floor stays put while its peaks rise. Default: `value`.
   */
  min?: ArrayLike<number>;
}

export interface LeakOptions {
  /** Points with iteration below this are warm-up and ignored. Default: auto (first 10 %). */
  warmupIterations?: number;
  /** Device (or host) capacity in bytes, for the out-of-memory projection. */
  totalBytes?: number;
  /** Bytes free at the end of the series (default: totalBytes - last value). */
  freeBytes?: number;
}
