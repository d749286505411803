/**
 * Lines up the parent's memory samples with the child's per-call marks (both on
 * CLOCK_MONOTONIC). A call's memory value is the highest sample taken during it (its
 * high-water mark); a call shorter than the sampling interval takes the latest sample
 * before its end. A mark is resolved only once a sample after its end has arrived, so
 * late samples are never missed. Memory held: the unresolved tail only.
 */
import type { MarkBatch } from "./protocol.js";
import type { Samples } from "./memory-sampler.js";
import { OUTSIDE_ALLOCATOR_SIGNAL, outsideAllocatorBytes } from "../results/layers.js";

export interface IterationRecord {
  index: number;
  startNs: number;
  endNs: number;
  gpuMs: number;
  shape: string;
  /** Sampled and engine-level signals, bytes. */
  signals: Record<string, number>;
}

const SAMPLE_SIGNALS = ["gpuProcessBytes", "deviceUsedBytes", "rssBytes"] as const;
type SampleSignal = (typeof SAMPLE_SIGNALS)[number];

export class Joiner {
  private t: number[] = [];
  private cols: Record<SampleSignal, number[]> = { gpuProcessBytes: [], deviceUsedBytes: [], rssBytes: [] };
  private head = 0;
  private marks: IterationRecord[] = [];
  private markHead = 0;

  constructor(private readonly signals: readonly SampleSignal[]) {}

  addSamples(s: Samples): void {
    for (let i = 0; i < s.tNs.length; i++) {
      this.t.push(s.tNs[i]!);
      this.cols.gpuProcessBytes.push(s.gpuProcessBytes[i]!);
      this.cols.deviceUsedBytes.push(s.deviceUsedBytes[i]!);
      this.cols.rssBytes.push(s.rssBytes[i]!);
    }
  }

  addMarks(b: MarkBatch): void {
    for (let i = 0; i < b.index.length; i++) {
      const signals: Record<string, number> = {};
      for (const [name, arr] of Object.entries(b.stats)) signals[name] = arr[i]!;
      this.marks.push({
        index: b.index[i]!,
        startNs: b.startNs[i]!,
        endNs: b.endNs[i]!,
        gpuMs: b.gpuMs[i]!,
        shape: b.shape[i]!,
        signals,
      });
    }
  }

  /** The latest sample of a signal (e.g. after a release), or NaN when none. */
  latest(signal: SampleSignal): number {
    const col = this.cols[signal];
    return col.length ? col[col.length - 1]! : Number.NaN;
  }

  /** Resolved records in order. With `all`, resolves every mark using the samples there are. */
  take(all = false): IterationRecord[] {
    const out: IterationRecord[] = [];
    const lastT = this.t.length ? this.t[this.t.length - 1]! : -Infinity;
    while (this.markHead < this.marks.length) {
      const m = this.marks[this.markHead]!;
      if (!all && m.endNs >= lastT) break;
      this.resolve(m);
      out.push(m);
      this.markHead++;
    }
    this.compact();
    return out;
  }

  private resolve(m: IterationRecord): void {
    // Advance to the first sample at or after the call's start; keep one before it.
    while (this.head + 1 < this.t.length && this.t[this.head + 1]! <= m.startNs) this.head++;
    for (const sig of this.signals) {
      const col = this.cols[sig];
      let best = Number.NaN;
      let latestBefore = Number.NaN;
      for (let i = this.head; i < this.t.length; i++) {
        const ti = this.t[i]!;
        if (ti > m.endNs) break;
        const v = col[i]!;
        if (ti >= m.startNs) best = Number.isNaN(best) ? v : Math.max(best, v);
        else latestBefore = v;
      }
      if (Number.isNaN(best)) best = latestBefore;
      if (Number.isNaN(best) && this.head < this.t.length) best = col[this.head]!;
      m.signals[sig] = best;
    }
    // The layer outside the allocator, from this call's process total and allocator figures.
    const outside = outsideAllocatorBytes(m.signals);
    if (outside !== undefined) m.signals[OUTSIDE_ALLOCATOR_SIGNAL] = outside;
  }

  private compact(): void {
    if (this.head > 4096) {
      this.t = this.t.slice(this.head);
      for (const sig of SAMPLE_SIGNALS) this.cols[sig] = this.cols[sig].slice(this.head);
      this.head = 0;
    }
    if (this.markHead > 4096) {
      this.marks = this.marks.slice(this.markHead);
      this.markHead = 0;
    }
  }
}
