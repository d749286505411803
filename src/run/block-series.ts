/**
 * Bounded reduction of a per-iteration series into at most `maxBlocks` blocks of equal
 * iteration count. When full, adjacent blocks merge pairwise and the block size doubles,
 * so memory stays O(maxBlocks) for any run length while the whole run stays visible.
 */
import type { BlockSeries } from "../results/types.js";

interface Acc {
  first: number;
  last: number;
  timeMs: number;
  latencySumMs: number;
  count: number;
  min: Map<string, number>;
  max: Map<string, number>;
  sum: Map<string, number>;
}

function newAcc(first: number): Acc {
  return { first, last: first, timeMs: 0, latencySumMs: 0, count: 0, min: new Map(), max: new Map(), sum: new Map() };
}

function mergeInto(a: Acc, b: Acc): void {
  a.last = b.last;
  a.timeMs = b.timeMs;
  a.latencySumMs += b.latencySumMs;
  a.count += b.count;
  for (const [k, v] of b.min) a.min.set(k, Math.min(a.min.get(k) ?? Infinity, v));
  for (const [k, v] of b.max) a.max.set(k, Math.max(a.max.get(k) ?? -Infinity, v));
  for (const [k, v] of b.sum) a.sum.set(k, (a.sum.get(k) ?? 0) + v);
}

export class BlockSeriesBuilder {
  private blocks: Acc[] = [];
  private current: Acc | undefined;
  private blockSize = 1;
  private readonly signalNames = new Set<string>();

  constructor(private readonly maxBlocks = 1024) {
    if (maxBlocks < 2 || maxBlocks % 2) throw new RangeError("maxBlocks must be an even number ≥ 2");
  }

  add(iteration: number, timeMs: number, latencyMs: number, signals: Record<string, number>): void {
    if (!this.current) this.current = newAcc(iteration);
    const c = this.current;
    c.last = iteration;
    c.timeMs = timeMs;
    c.latencySumMs += latencyMs;
    c.count++;
    for (const k in signals) {
      const v = signals[k]!;
      if (!Number.isFinite(v)) continue;
      this.signalNames.add(k);
      c.min.set(k, Math.min(c.min.get(k) ?? Infinity, v));
      c.max.set(k, Math.max(c.max.get(k) ?? -Infinity, v));
      c.sum.set(k, (c.sum.get(k) ?? 0) + v);
    }
    if (c.count >= this.blockSize) {
      this.blocks.push(c);
      this.current = undefined;
      if (this.blocks.length >= this.maxBlocks) this.halve();
    }
  }

  private halve(): void {
    const merged: Acc[] = [];
    for (let i = 0; i < this.blocks.length; i += 2) {
      const a = this.blocks[i]!;
      const b = this.blocks[i + 1];
      if (b) mergeInto(a, b);
      merged.push(a);
    }
    this.blocks = merged;
    this.blockSize *= 2;
  }

  get points(): number {
    return this.blocks.length + (this.current ? 1 : 0);
  }

  toJSON(): BlockSeries {
    const all = this.current ? [...this.blocks, this.current] : this.blocks;
    const out: BlockSeries = {
      blockSize: this.blockSize,
      firstIteration: all.map((b) => b.first),
      lastIteration: all.map((b) => b.last),
      timeMs: all.map((b) => round3(b.timeMs)),
      latencyMeanMs: all.map((b) => round3(b.latencySumMs / Math.max(1, b.count))),
      signals: {},
    };
    for (const name of this.signalNames) {
      // A signal missing from a block (NaN samples) is carried as null-free NaN → JSON null; keep numbers.
      out.signals[name] = {
        min: all.map((b) => b.min.get(name) ?? Number.NaN),
        max: all.map((b) => b.max.get(name) ?? Number.NaN),
        mean: all.map((b) => (b.sum.has(name) ? Math.round(b.sum.get(name)! / b.count) : Number.NaN)),
      };
    }
    return out;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
