/**
 * Where a strategy's memory growth lives, from the verdicts of its layer signals
 * (src/results/layers.ts): live allocations ("tensors"), the allocator's cache
 * (reserved grows faster than allocated: fragmentation, cached blocks), or outside the
 * allocator (process total − reserved). Also whether sources of one quantity agree.
 * Numbers and codes only; src/report/layers.ts words them.
 */
import {
  ALLOCATORS,
  CUDA_MEM_GET_INFO_SIGNAL,
  DEVICE_USED_SIGNAL,
  OUTSIDE_ALLOCATOR_SIGNAL,
  PROCESS_TOTAL_SIGNAL,
  type GrowthPlace,
  type LayerAnalysis,
  type LayerFigure,
  type SourceCheck,
} from "../results/layers.js";
import type { LeakAnalysis } from "../results/verdicts.js";

/**
 * Reserved growth counts as the cache's own when it exceeds this multiple of the allocated
 * growth: a caching allocator rounds requests up (2 MiB / 20 MiB segments), so reserved
 * follows a tensor leak at up to about this factor without any fragmentation.
 */
const CACHE_SLOPE_FACTOR = 2;

/**
 * Slopes of two sources of one quantity agree within this fraction of the larger one, or
 * this many bytes per iteration (block high-water marks of sampled and per-call figures
 * differ by a sample's timing, not by a trend).
 */
const SOURCE_TOLERANCE_FRACTION = 0.1;
const SOURCE_TOLERANCE_BYTES = 4096;

function figure(signal: string, leak: LeakAnalysis | undefined): LayerFigure | undefined {
  if (!leak) return undefined;
  return {
    signal,
    verdict: leak.verdict,
    slopeBytesPerIteration: leak.slopeBytesPerIteration,
    slopeCi: leak.slopeCi,
    growthBytes: leak.growthBytes,
  };
}

const grows = (f: LayerFigure | undefined): boolean => f?.verdict === "leak";

/**
 * The layers of one strategy from its per-signal verdicts; undefined when no allocator
 * signal was judged (the layers do not exist for that engine or worker).
 */
export function analyzeLayers(leak: Readonly<Record<string, LeakAnalysis>>): LayerAnalysis | undefined {
  const present = ALLOCATORS.filter((a) => leak[a.reserved] && leak[a.allocated]);
  if (present.length === 0) return undefined;
  const allocated = present.map((a) => figure(a.allocated, leak[a.allocated])!);
  const reserved = present.map((a) => figure(a.reserved, leak[a.reserved])!);
  const total = figure(PROCESS_TOTAL_SIGNAL, leak[PROCESS_TOTAL_SIGNAL]);
  const outside = figure(OUTSIDE_ALLOCATOR_SIGNAL, leak[OUTSIDE_ALLOCATOR_SIGNAL]);

  const where: GrowthPlace[] = [];
  if (allocated.some(grows)) where.push("tensors");
  const cacheGrows = present.some((a, i) => {
    const r = reserved[i]!;
    const al = allocated[i]!;
    if (a.allocated === a.reserved || !grows(r)) return false;
    return !grows(al) || r.slopeBytesPerIteration > CACHE_SLOPE_FACTOR * Math.max(0, al.slopeBytesPerIteration);
  });
  if (cacheGrows) where.push("allocator-cache");
  if (grows(outside)) where.push("outside-allocator");

  const out: LayerAnalysis = {
    allocators: present.map((a) => a.name),
    allocated,
    reserved,
    where,
    unattributed: grows(total) && where.length === 0,
  };
  if (total) out.total = total;
  if (outside) out.outside = outside;
  return out;
}

/** Whether two slopes (with CIs) say the same growth. */
export function slopesAgree(a: LeakAnalysis, b: LeakAnalysis): { agree: boolean; toleranceBytesPerIteration: number } {
  const sa = a.slopeBytesPerIteration;
  const sb = b.slopeBytesPerIteration;
  const tolerance = Math.max(SOURCE_TOLERANCE_BYTES, SOURCE_TOLERANCE_FRACTION * Math.max(Math.abs(sa), Math.abs(sb)));
  const overlap = a.slopeCi[0] <= b.slopeCi[1] && b.slopeCi[0] <= a.slopeCi[1];
  return { agree: overlap || Math.abs(sa - sb) <= tolerance, toleranceBytesPerIteration: tolerance };
}

/**
 * Pairs of sources that measure one quantity, compared when either is judged `leak`:
 * the process total against the device-wide figures (NVML, cudaMemGetInfo; the same growth
 * while this process is the one that moves), and an allocator's reserved bytes against the
 * process total (they differ exactly by growth outside the allocator). Any engine, layers or not.
 */
export function crossCheckSources(leak: Readonly<Record<string, LeakAnalysis>>): SourceCheck[] {
  const reservedSignals = [...new Set(ALLOCATORS.filter((a) => leak[a.reserved]).map((a) => a.reserved))];
  const pairs: Array<[string, string, SourceCheck["quantity"]]> = [
    [PROCESS_TOTAL_SIGNAL, CUDA_MEM_GET_INFO_SIGNAL, "device-memory"],
    [PROCESS_TOTAL_SIGNAL, DEVICE_USED_SIGNAL, "device-memory"],
  ];
  // With one allocator its reserved bytes are comparable to the total; with several, none alone is.
  if (reservedSignals.length === 1) pairs.push([reservedSignals[0]!, PROCESS_TOTAL_SIGNAL, "allocator-share"]);
  const out: SourceCheck[] = [];
  for (const [x, y, quantity] of pairs) {
    const a = leak[x];
    const b = leak[y];
    if (!a || !b || (a.verdict !== "leak" && b.verdict !== "leak")) continue;
    const { agree, toleranceBytesPerIteration } = slopesAgree(a, b);
    out.push({
      signals: [x, y],
      quantity,
      agree,
      slopesBytesPerIteration: [a.slopeBytesPerIteration, b.slopeBytesPerIteration],
      toleranceBytesPerIteration,
    });
  }
  return out;
}
