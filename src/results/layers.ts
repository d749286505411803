/**
 * The memory layers of a strategy's process and the signals that measure them:
 *
 *   process total (NVML)  = allocator reserved + outside the allocator
 *   allocator reserved    = allocated (live tensors) + the allocator's cache
 *
 * Outside the allocator is derived per iteration (`outsideAllocatorBytes`) wherever the
 * total and an allocator's reserved bytes are both known: CUDA context, library workspaces
 * and plan caches, loaded kernels, raw cudaMalloc. The run records it as a signal of its
 * own, so it gets a verdict, a CSV column and `analyze --column` like any other.
 * `LayerAnalysis` is what the results file stores of the layers (src/analysis/layers.ts).
 */

/** The per-process device total the layers split (NVML, what nvidia-smi shows). */
export const PROCESS_TOTAL_SIGNAL = "gpuProcessBytes";

/** Derived: process total − the reserved bytes of every allocator present, per iteration. */
export const OUTSIDE_ALLOCATOR_SIGNAL = "outsideAllocatorBytes";

/** Device-wide used bytes from cudaMemGetInfo (total − free), reported by the Python helper. */
export const CUDA_MEM_GET_INFO_SIGNAL = "cudaMemGetInfoUsedBytes";

/** Device-wide used bytes sampled through NVML by the harness. */
export const DEVICE_USED_SIGNAL = "deviceUsedBytes";

/** One framework allocator: the signal of bytes in live allocations and of bytes it holds from the driver. */
export interface AllocatorSignals {
  name: "torch" | "cupy" | "tensorrt";
  /** Bytes handed out and still alive (tensors, arrays, TensorRT's own buffers). */
  allocated: string;
  /** Bytes the allocator holds from the driver (allocated + its cache); same as `allocated` when it caches nothing. */
  reserved: string;
}

/**
 * Allocators vramgate knows the signals of. TensorRT's counting IGpuAllocator
 * (native/engines/tensorrt/trt_allocator.h) caches nothing: what it handed out is what it holds
 * (weights, context memory, scratch). ONNX Runtime's Node API exposes no arena figures.
 */
export const ALLOCATORS: readonly AllocatorSignals[] = [
  { name: "torch", allocated: "torchAllocatedBytes", reserved: "torchReservedBytes" },
  { name: "cupy", allocated: "cupyUsedBytes", reserved: "cupyTotalBytes" },
  { name: "tensorrt", allocated: "trtAllocatorBytes", reserved: "trtAllocatorBytes" },
];

/** Signals that measure device memory although their names say neither "gpu" nor "device". */
export const DEVICE_LAYER_SIGNALS: ReadonlySet<string> = new Set([
  OUTSIDE_ALLOCATOR_SIGNAL,
  CUDA_MEM_GET_INFO_SIGNAL,
  ...ALLOCATORS.flatMap((a) => [a.allocated, a.reserved]),
]);

/** The allocators whose reserved signal `has` says is present. */
export function allocatorsPresent(has: (signal: string) => boolean): AllocatorSignals[] {
  return ALLOCATORS.filter((a) => has(a.reserved));
}

/**
 * Process total − the reserved bytes of every allocator present, or undefined when the total
 * or every allocator is missing, a figure is not finite, or the total is 0 (NVML does not see
 * the process, which holds at least a CUDA context when an allocator reports anything).
 */
export function outsideAllocatorBytes(signals: Readonly<Record<string, number>>): number | undefined {
  const total = signals[PROCESS_TOTAL_SIGNAL];
  if (typeof total !== "number" || !Number.isFinite(total) || total <= 0) return undefined;
  const present = allocatorsPresent((s) => typeof signals[s] === "number");
  if (present.length === 0) return undefined;
  let reserved = 0;
  for (const a of present) {
    const v = signals[a.reserved]!;
    if (!Number.isFinite(v)) return undefined;
    reserved += v;
  }
  return total - reserved;
}

/** Where growth lives, in the order the report names them. */
export type GrowthPlace = "tensors" | "allocator-cache" | "outside-allocator";

/** One layer's verdict and slope, copied from the signal's leak analysis. */
export interface LayerFigure {
  signal: string;
  verdict: string;
  /** Bytes per iteration after warm-up. */
  slopeBytesPerIteration: number;
  /** 95 % confidence interval of the slope, bytes per iteration. */
  slopeCi: [number, number];
  /** Growth over the judged window, bytes. */
  growthBytes: number;
}

/**
 * Two sources of one quantity compared by slope: they agree when their confidence intervals
 * overlap or the slopes differ by at most `toleranceBytesPerIteration`.
 */
export interface SourceCheck {
  /** The two signals, e.g. ["gpuProcessBytes", "cudaMemGetInfoUsedBytes"]. */
  signals: [string, string];
  /** What they both measure: the process's device memory, or the allocator's share of it. */
  quantity: "device-memory" | "allocator-share";
  agree: boolean;
  slopesBytesPerIteration: [number, number];
  toleranceBytesPerIteration: number;
}

/**
 * A strategy's memory layers and where growth lives (absent when no allocator signal was
 * recorded). The sources compared are beside it (`analysis.sources`): they exist without layers too.
 */
export interface LayerAnalysis {
  /** Allocators whose signals were recorded, e.g. ["torch"]. */
  allocators: string[];
  total?: LayerFigure;
  /** Per allocator present, same order as `allocators`. */
  allocated: LayerFigure[];
  reserved: LayerFigure[];
  outside?: LayerFigure;
  /** Layers that grow (verdict `leak`), in report order; empty when none does. */
  where: GrowthPlace[];
  /** The process total is a leak but no single layer is (growth split across layers, or noise in one). */
  unattributed: boolean;
}
