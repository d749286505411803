/**
 * NVML lists compute processes by their PID in the host's namespace. In a container with
 * its own PID namespace the child's PID never appears there, so the per-process figure
 * stays 0 while the device's used memory moves. This decides, once the child has created
 * its CUDA context, whether that happened (a pure function over what was sampled), and
 * turns device-level samples into the strategy's own figure when it did.
 */
import type { GpuAttribution } from "../results/types.js";

/** Device growth below which a child is not taken to have made a CUDA context (one is hundreds of MiB). */
export const MIN_CONTEXT_BYTES = 32 * 1024 * 1024;

export interface PidCheckInput {
  /** PIDs of the strategy's processes as vramgate sees them (child, engine workers). */
  ownPids: readonly number[];
  /** PIDs NVML lists on the GPU now; undefined when the list could not be read. */
  listedPids: readonly number[] | undefined;
  /** PIDs NVML listed on the GPU when the run began, before any of its children. */
  listedAtRunStart: readonly number[];
  /** Device used before this child started, and now (after its engine loaded), bytes. */
  deviceBeforeBytes: number;
  deviceNowBytes: number;
  /** NVML's per-process figure summed over ownPids now, bytes. */
  processBytes: number;
}

/** `process`: NVML sees the child (or there is nothing to see); otherwise fall back to device level. */
export type PidCheck = { mode: "process" } | Omit<GpuAttribution, "baseDeviceBytes">;

export function checkPidNamespace(i: PidCheckInput): PidCheck {
  const listed = i.listedPids;
  if (listed === undefined || !Number.isFinite(i.deviceBeforeBytes) || !Number.isFinite(i.deviceNowBytes))
    return { mode: "process" };
  if (i.processBytes > 0 || listed.some((p) => i.ownPids.includes(p))) return { mode: "process" };
  const atStart = new Set(i.listedAtRunStart);
  // PIDs that appeared since the run began: this run's children, seen under host PIDs.
  const appeared = listed.filter((p) => !atStart.has(p));
  const grew = i.deviceNowBytes - i.deviceBeforeBytes >= MIN_CONTEXT_BYTES;
  // Neither: the child made no CUDA context (a CPU engine on a GPU machine); nothing to attribute.
  if (appeared.length === 0 && !grew) return { mode: "process" };
  return {
    mode: "device-level",
    reason: appeared.length > 0 ? "foreign-pids-only" : "pid-not-listed",
    // Another process on the GPU when the run began: device figures hold its memory too.
    idle: atStart.size === 0,
    listedPids: [...listed],
  };
}

/**
 * The strategy's own device bytes from device-wide samples: what it held when the fallback
 * was decided, plus device growth only while it was running calls (its windows). Strategies
 * of one run take turns on the GPU, so growth between its windows is a sibling's.
 */
export class DeviceLevelFigures {
  private readonly windows: Array<{ openNs: number; closeNs: number }> = [];
  private w = 0;
  private atOpen: number | undefined;
  private last = Number.NaN;
  private prev = Number.NaN;
  private acc = 0;

  /** @param ownBytes the strategy's bytes when decided: device used now minus before its child started. */
  constructor(private readonly ownBytes: number) {}

  /** The strategy starts running calls (CLOCK_MONOTONIC ns, the samples' clock). */
  open(tNs: number): void {
    this.windows.push({ openNs: tNs, closeNs: Number.POSITIVE_INFINITY });
  }
  /** The strategy's calls are done. */
  close(tNs: number): void {
    const cur = this.windows.at(-1);
    if (cur && cur.closeNs === Number.POSITIVE_INFINITY) cur.closeNs = tNs;
  }

  /** The strategy's bytes at each sample (samples in time order, across calls). */
  map(tNs: ArrayLike<number>, deviceUsedBytes: ArrayLike<number>): Float64Array {
    const out = new Float64Array(tNs.length);
    for (let k = 0; k < tNs.length; k++) {
      const t = tNs[k]!;
      const dev = deviceUsedBytes[k]!;
      this.advance(t);
      const win = this.windows[this.w];
      if (win && t >= win.openNs && Number.isFinite(dev)) {
        // The level just before the window opened, so growth at its very start counts.
        this.atOpen ??= Number.isFinite(this.prev) ? this.prev : dev;
        this.last = dev;
        out[k] = this.ownBytes + this.acc + (dev - this.atOpen);
      } else {
        out[k] = this.ownBytes + this.acc;
      }
      if (Number.isFinite(dev)) this.prev = dev;
    }
    return out;
  }

  private advance(t: number): void {
    for (let win = this.windows[this.w]; win && t > win.closeNs; win = this.windows[this.w]) {
      if (this.atOpen !== undefined && Number.isFinite(this.last)) this.acc += this.last - this.atOpen;
      this.atOpen = undefined;
      this.last = Number.NaN;
      this.w++;
    }
  }
}
