/**
 * Seeded synthetic per-call memory layers for tests and fixtures: what a PyTorch process
 * reports when its growth lives in one layer. The process total is built the way the
 * device sees it (CUDA context + the allocator's reserved segments + raw allocations), the
 * allocator's figures the way a caching allocator rounds them (20 MiB segments).
 *
 *   tensors   a list keeps a 3 MiB tensor per call: allocated grows, reserved follows in segments
 *   cache     allocated flat, reserved grows 2 MiB per call (fragmented segments never reused)
 *   outside   allocated and reserved flat; 1 MiB of raw cudaMalloc per call
 *   flat      nothing grows
 */
import { mulberry32 } from "./stats/prng.js";
import { MiB } from "./synth.js";

export type LayerCase = "tensors" | "cache" | "outside" | "flat";

const CONTEXT_BYTES = 600 * MiB;
const SEGMENT_BYTES = 20 * MiB;
const BASE_ALLOCATED = 100 * MiB;
const OTHER_PROCESSES_BYTES = 1024 * MiB;

const roundUp = (b: number, to: number): number => Math.ceil(b / to) * to;

/**
 * Per-call signals (bytes) of `calls` calls: gpuProcessBytes, deviceUsedBytes,
 * cudaMemGetInfoUsedBytes, torchAllocatedBytes, torchReservedBytes (outsideAllocatorBytes is
 * left for the run to derive).
 */
export function synthLayerCalls(kind: LayerCase, calls: number, seed = 1): Array<Record<string, number>> {
  const rng = mulberry32(seed);
  const out: Array<Record<string, number>> = [];
  for (let i = 0; i < calls; i++) {
    // Transient activations of the call: up to 4 MiB, freed by its end.
    const transient = Math.floor(rng() * 4) * MiB;
    let allocated = BASE_ALLOCATED;
    let reserved = roundUp(BASE_ALLOCATED + 4 * MiB, SEGMENT_BYTES);
    let raw = 0;
    if (kind === "tensors") {
      allocated += 3 * MiB * i;
      reserved = roundUp(allocated + 4 * MiB, SEGMENT_BYTES);
    } else if (kind === "cache") {
      reserved += 2 * MiB * i;
    } else if (kind === "outside") {
      raw = MiB * i;
    }
    // NVML's figure rounds to 2 MiB pages and is sampled: a little jitter, no trend.
    const total = CONTEXT_BYTES + reserved + raw + (rng() < 0.5 ? 0 : 2 * MiB);
    const device = total + OTHER_PROCESSES_BYTES;
    out.push({
      gpuProcessBytes: total,
      deviceUsedBytes: device,
      cudaMemGetInfoUsedBytes: device + (rng() < 0.5 ? 0 : 2 * MiB),
      torchAllocatedBytes: allocated + (rng() < 0.2 ? transient : 0),
      torchReservedBytes: reserved,
    });
  }
  return out;
}
