/**
 * Online shape attribution of one strategy's memory: which growth came with a call at a
 * first-seen shape and which with a call at a shape seen before.
 *
 * For each memory signal, the change from one call to the next is owned by the latest
 * new-shape event when the call is at a first-seen shape or follows one within `lagCalls`
 * calls (growth that lands one call late: a plan cache filled after the call returns, a
 * sample taken just after the allocation); otherwise by the repeat calls. Owning by
 * differences makes a transient spike cancel out and an allocator staircase land where
 * its steps land. Two things come out:
 * - the repeat series: memory with the steps at new shapes removed, indexed by repeat-call
 *   ordinal — a leak keeps climbing there; growth that only new shapes bring stays flat;
 * - the events: bytes each new shape brought (bounded list; totals always kept).
 * Memory held is O(maxBlocks + maxEvents + reservoir), whatever the run length.
 */
import type { ShapeStats } from "../results/types.js";
import { BlockSeriesBuilder } from "./block-series.js";

export const MAX_EVENTS = 4096;
const RESERVOIR = 2048;

/** Uniform reservoir sample (Vitter's algorithm R) with a deterministic generator. */
class Reservoir {
  readonly values: number[] = [];
  private seen = 0;
  private state: number;
  constructor(
    private readonly size: number,
    seed: number,
  ) {
    this.state = seed >>> 0 || 1;
  }
  add(v: number): void {
    this.seen++;
    if (this.values.length < this.size) {
      this.values.push(v);
      return;
    }
    // xorshift32: reproducible reports without Math.random.
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    const j = this.state % this.seen;
    if (j < this.size) this.values[j] = v;
  }
}

export class ShapeTracker {
  private readonly seen = new Set<string>();
  private readonly prev = new Map<string, number>();
  private readonly repeatLevel = new Map<string, number>();
  private readonly repeat = new BlockSeriesBuilder(1024);
  private readonly eventIteration: number[] = [];
  private readonly eventBytes: Record<string, number[]> = {};
  private readonly eventTotal: Record<string, number> = {};
  private eventsDropped = 0;
  private newShapeCalls = 0;
  private repeatCalls = 0;
  /** Calls since the latest new-shape call (Infinity before any). */
  private sinceNew = Infinity;
  /** Index into the event list of the event owning changes now (-1: dropped or none). */
  private owner = -1;
  private readonly latNew = new Reservoir(RESERVOIR, 0x9e3779b9);
  private readonly latRepeat = new Reservoir(RESERVOIR, 0x85ebca6b);

  constructor(readonly lagCalls = 1) {}

  /** A warm-up call: its shape becomes seen and its values the reference level. */
  warmup(shape: string, signals: Record<string, number>): void {
    this.seen.add(shape);
    for (const [k, v] of Object.entries(signals)) if (Number.isFinite(v)) this.prev.set(k, v);
  }

  /** A measured call (rounds or replay), in call order. */
  measured(iteration: number, timeMs: number, shape: string, latencyMs: number, signals: Record<string, number>): void {
    const isNew = !this.seen.has(shape);
    if (isNew) {
      this.seen.add(shape);
      this.newShapeCalls++;
      this.sinceNew = 0;
      if (this.eventIteration.length < MAX_EVENTS) {
        this.owner = this.eventIteration.length;
        this.eventIteration.push(iteration);
      } else {
        this.owner = -1;
        this.eventsDropped++;
      }
      if (Number.isFinite(latencyMs)) this.latNew.add(latencyMs);
    } else {
      this.sinceNew++;
      if (Number.isFinite(latencyMs)) this.latRepeat.add(latencyMs);
    }
    const eventOwns = this.sinceNew <= this.lagCalls;
    if (!eventOwns) this.repeatCalls++;
    const repeatPoint: Record<string, number> = {};
    for (const [k, v] of Object.entries(signals)) {
      if (!Number.isFinite(v)) continue;
      const before = this.prev.get(k);
      this.prev.set(k, v);
      if (!this.repeatLevel.has(k)) this.repeatLevel.set(k, before ?? v);
      const delta = before === undefined ? 0 : v - before;
      if (isNew) {
        // A new event's list entry starts at 0 for every signal.
        if (this.owner >= 0) this.eventList(k)[this.owner] = 0;
      }
      if (eventOwns) {
        this.eventTotal[k] = (this.eventTotal[k] ?? 0) + delta;
        if (this.owner >= 0) {
          const list = this.eventList(k);
          list[this.owner] = (list[this.owner] ?? 0) + delta;
        }
      } else {
        const level = this.repeatLevel.get(k)! + delta;
        this.repeatLevel.set(k, level);
        repeatPoint[k] = level;
      }
    }
    if (!eventOwns) this.repeat.add(this.repeatCalls - 1, timeMs, latencyMs, repeatPoint);
  }

  /** The per-event byte list of signal k, created empty on first use. */
  private eventList(k: string): number[] {
    let list = this.eventBytes[k];
    if (!list) {
      list = [];
      this.eventBytes[k] = list;
    }
    return list;
  }

  get distinctShapes(): number {
    return this.seen.size;
  }

  toJSON(): ShapeStats {
    const bytes: Record<string, number[]> = {};
    for (const [k, list] of Object.entries(this.eventBytes)) {
      // Signals that appeared after some events: those events owned nothing of them.
      bytes[k] = Array.from({ length: this.eventIteration.length }, (_, i) => Math.round(list[i] ?? 0));
    }
    const total: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.eventTotal)) total[k] = Math.round(v);
    return {
      lagCalls: this.lagCalls,
      distinctShapes: this.seen.size,
      newShapeCalls: this.newShapeCalls,
      repeatCalls: this.repeatCalls,
      events: { iteration: [...this.eventIteration], bytes },
      eventsDropped: this.eventsDropped,
      eventBytesTotal: total,
      repeatSeries: this.repeat.toJSON(),
      latencyMs: { newShape: [...this.latNew.values], repeat: [...this.latRepeat.values] },
    };
  }
}
