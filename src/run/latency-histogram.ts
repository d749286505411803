/**
 * Latency percentiles in bounded memory: log-spaced buckets 1 % wide from 1 µs to
 * ~10^6 ms, so any percentile is known within 1 % whatever the number of calls.
 */
import type { LatencySummary } from "../results/types.js";

const GROWTH = 1.01;
const MIN_MS = 1e-3;
const BUCKETS = Math.ceil(Math.log(1e9) / Math.log(GROWTH)) + 2;

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private n = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;

  add(ms: number): void {
    if (!(ms >= 0)) return;
    const b = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(ms / MIN_MS) / Math.log(GROWTH)));
    this.counts[b]!++;
    this.n++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  get count(): number {
    return this.n;
  }

  /** q in [0,1]; the bucket's geometric middle, clamped to the exact min/max. */
  quantile(q: number): number {
    if (this.n === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) {
        const mid = b === 0 ? MIN_MS : MIN_MS * GROWTH ** (b - 0.5);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  summary(): LatencySummary | undefined {
    if (this.n === 0) return undefined;
    const r = (x: number) => Math.round(x * 1e4) / 1e4;
    return {
      count: this.n,
      meanMs: r(this.sum / this.n),
      minMs: r(this.min),
      p50Ms: r(this.quantile(0.5)),
      p90Ms: r(this.quantile(0.9)),
      p99Ms: r(this.quantile(0.99)),
      maxMs: r(this.max),
    };
  }
}
