/**
 * Samples a set of processes' memory for one strategy: the native sampler (NVML per
 * process + device, host RSS, 1 ms) when the addon loads, else host RSS read from
 * /proc by a JS timer (coarser; said in the results' environment).
 */
import { readFileSync } from "node:fs";
import { loadAddon } from "../native/binding.js";
import { timerDelayMs } from "../timers.js";
import { monotonicNs } from "./strategy-loop.js";

export interface Samples {
  tNs: ArrayLike<number>;
  gpuProcessBytes: ArrayLike<number>;
  deviceUsedBytes: ArrayLike<number>;
  rssBytes: ArrayLike<number>;
}

export interface MemorySampler {
  readonly backend: "native" | "js";
  /** True when NVML figures are real (a GPU and libnvidia-ml were found). */
  readonly hasGpu: boolean;
  readonly deviceTotalBytes: number;
  readonly intervalMs: number;
  setPids(pids: number[]): void;
  start(): void;
  drain(): Samples;
  stop(): void;
}

const PAGE_BYTES = 4096;
/** The JS timer cannot keep 1 ms on a busy event loop; it samples no faster than this. */
const JS_MIN_INTERVAL_MS = 5;

function rssOf(pid: number): number {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, "utf8").split(" ");
    return Number(statm[1]) * PAGE_BYTES;
  } catch {
    return Number.NaN;
  }
}

class JsSampler implements MemorySampler {
  readonly backend = "js" as const;
  readonly hasGpu = false;
  readonly deviceTotalBytes = Number.NaN;
  private pids: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private t: number[] = [];
  private rss: number[] = [];
  readonly intervalMs: number;
  constructor(intervalMs: number) {
    this.intervalMs = Math.max(JS_MIN_INTERVAL_MS, intervalMs);
  }
  setPids(pids: number[]): void {
    this.pids = [...pids];
  }
  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), timerDelayMs(this.intervalMs));
    this.timer.unref();
  }
  private sample(): void {
    let sum = 0;
    for (const p of this.pids) sum += rssOf(p);
    this.t.push(monotonicNs());
    this.rss.push(sum);
  }
  drain(): Samples {
    const out = {
      tNs: this.t,
      rssBytes: this.rss,
      gpuProcessBytes: this.t.map(() => Number.NaN),
      deviceUsedBytes: this.t.map(() => Number.NaN),
    };
    this.t = [];
    this.rss = [];
    return out;
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export function createSampler(opts: { intervalMs: number; device: number }): MemorySampler {
  const addon = loadAddon();
  if (!addon) return new JsSampler(opts.intervalMs);
  const probe = addon.probe();
  const s = new addon.Sampler({ intervalMs: opts.intervalMs, device: opts.device, capacity: 1 << 16 });
  const hasGpu = probe.nvml.found && probe.gpus.length > opts.device;
  return {
    backend: "native",
    hasGpu,
    intervalMs: opts.intervalMs,
    deviceTotalBytes: hasGpu ? probe.gpus[opts.device]!.totalBytes : Number.NaN,
    setPids: (p) => s.setPids(p),
    start: () => s.start(),
    drain: () => s.drain(),
    stop: () => s.stop(),
  };
}
