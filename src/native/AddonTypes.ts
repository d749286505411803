/**
 * The TypeScript type of the native addon (build/Release/vramgate.node). Only
 * src/native/binding.ts loads the module; everything else imports these types.
 * Times are CLOCK_MONOTONIC nanoseconds (the clock of process.hrtime), as numbers.
 */

/** Where a dlopen'ed library was found, or every place that was tried. */
interface LibraryProbe {
  found: boolean;
  /** Resolved path of the loaded library. */
  path?: string;
  /** Candidates tried, in order (sonames and absolute paths). */
  looked: string[];
  /** Why it is not usable (loader message or a failed init). */
  error?: string;
}

/** GPU clocks in MHz, now and at most; a field NVML cannot tell is absent. */
interface ProbeClocks {
  smMHz?: number;
  smMaxMHz?: number;
  memMHz?: number;
  memMaxMHz?: number;
}

interface ProbeGpu {
  /** NVML index (nvidia-smi's order, PCI bus order). */
  index: number;
  name: string;
  uuid: string;
  totalBytes: number;
  clocks: ProbeClocks;
  /**
   * PIDs NVML lists as compute processes on this GPU, in the host's PID namespace (in a
   * container they may not be ours); absent when the list could not be read.
   */
  computePids?: number[];
}

interface EngineBuild {
  /** True when the engine's SDK was found at build time and the engine is compiled in. */
  built: boolean;
  version?: string;
  /** Why it was not built (from the configure step), when known. */
  reason?: string;
}

export interface AddonProbe {
  nvml: LibraryProbe;
  cudaRuntime: LibraryProbe;
  /** NVIDIA driver version string from NVML, e.g. "580.95.05". */
  driverVersion?: string;
  /** cudaDriverGetVersion, e.g. 13000 for CUDA 13.0; absent without a driver. */
  cudaDriverVersion?: number;
  /** cudaRuntimeGetVersion of the loaded libcudart. */
  cudaRuntimeVersion?: number;
  gpus: ProbeGpu[];
  engines: { host: EngineBuild; libtorch: EngineBuild; tensorrt: EngineBuild };
}

interface SamplerOptions {
  /** Sampling interval in milliseconds (default 1). */
  intervalMs?: number;
  /** GPU index for NVML (default 0). RangeError when NVML is present and has no such GPU. */
  device?: number;
  /** Samples kept between drains; the oldest are dropped beyond it (default 65536). */
  capacity?: number;
}

/** Samples since the last drain, oldest first; index k of every array is one sample. */
export interface SamplerDrain {
  /** CLOCK_MONOTONIC ns at the start of each sample. */
  tNs: Float64Array;
  /** NVML usedGpuMemory summed over the watched PIDs, bytes; NaN without NVML. */
  gpuProcessBytes: Float64Array;
  /** NVML device-wide used memory, bytes; NaN without NVML. */
  deviceUsedBytes: Float64Array;
  /** Resident set size summed over the watched PIDs, bytes; NaN when none is readable. */
  rssBytes: Float64Array;
  /** Device memory size, bytes; NaN without NVML. */
  deviceTotalBytes: number;
}

export interface SamplerStats {
  /** Samples taken since start(). */
  samples: number;
  /** Samples dropped because the ring buffer was full (drop-oldest). */
  overruns: number;
  /** Ticks skipped because one sample took longer than the interval. */
  missedDeadlines: number;
  /** Samples per second over the run since start(). */
  achievedHz: number;
  /** Mean time between consecutive samples, microseconds. */
  meanPeriodUs: number;
  /** Longest time between consecutive samples, microseconds. */
  maxPeriodUs: number;
  /** Mean time spent taking one sample (NVML and /proc reads), microseconds. */
  meanSampleCostUs: number;
}

/** A background thread sampling device and host memory of a set of processes. */
export interface AddonSampler {
  /** Processes whose memory is summed (replaces the previous set; takes effect next sample). */
  setPids(pids: number[]): void;
  /** Starts the thread (no-op when running); resets stats, keeps undrained samples. */
  start(): void;
  /** Stops and joins the thread; idempotent. Also done at environment teardown. */
  stop(): void;
  /** Copies out the buffered samples and clears the buffer. */
  drain(): SamplerDrain;
  stats(): SamplerStats;
  readonly running: boolean;
  /** True when NVML figures are real. */
  readonly nvml: boolean;
}

type NativeEngineKind = "libtorch" | "tensorrt" | "host";

interface NativeInputProfile {
  name: string;
  min: number[];
  opt: number[];
  max: number[];
  dtype: "float32" | "float16" | "int64" | "int32";
  /** Values to fill the input with ("ones" = 1..1, "zeros" = 0..0); absent: the engine's default fill. */
  values?: { min: number; max: number } | "ones" | "zeros";
}

export interface NativeEngineConfig {
  modelPath?: string;
  precision?: string;
  device?: number;
  /** Per model input, in the model's input order. */
  profile?: NativeInputProfile[];
  faults?: { leakBytesPerIteration?: number; retainOutputsEvery?: number };
  /** Engine-specific options as strings (host: matmulSize, capacityBytes, failAtCall). */
  options?: Record<string, string>;
}

/** Per-call marks of one batch; index k of every array is one call. */
export interface NativeMarkBatch {
  /** Call index (firstIndex + position in the shapes array). */
  index: Float64Array;
  /** CLOCK_MONOTONIC ns when the strategy started the call (before any context creation). */
  startNs: Float64Array;
  /** CLOCK_MONOTONIC ns when the call, context release included, ended. */
  endNs: Float64Array;
  /** GPU time from CUDA events, ms; NaN when the engine did not measure it. */
  gpuMs: Float64Array;
  /** Engine memory figures after each call (bytes) plus contextsCreated / contextsLive; NaN where absent. */
  stats: Record<string, Float64Array>;
}

/** Rejection of runCalls/load/finish: `kind` "oom" (a finding) or "error"; `index` the failing call. */
export interface NativeCallError extends Error {
  kind: "oom" | "error";
  index?: number;
}

/**
 * A native engine driven by the shared strategy loop (native/engines/strategy_loop.h).
 * Misuse (wrong argument types, calls out of order, a call while another is in flight)
 * throws synchronously (TypeError, RangeError, Error); engine failures reject.
 */
export interface AddonNativeEngine {
  readonly kind: string;
  /** Parse/build/load the model once; not timed. */
  load(): Promise<void>;
  /** "" when the strategy is supported, else why not. RangeError for an unknown name. */
  unsupported(strategy: string): string;
  versions(): Record<string, string>;
  /** Starts a strategy (after load(); after finish() of the previous one). */
  begin(strategy: string, options?: { perShapePoolSize?: number }): void;
  /**
   * Runs one call per shape on the engine's worker thread; marks reach onMarks in batches
   * (every 64 calls or 50 ms). Rejects with NativeCallError on the first failing call, or
   * with what onMarks threw (the loop stops at the next call).
   */
  runCalls(
    shapes: Array<Record<string, number[]>>,
    firstIndex: number,
    onMarks: (batch: NativeMarkBatch) => void,
  ): Promise<{ calls: number }>;
  /** Ends the strategy: releases what it keeps, except persistent (kept until exit on purpose). */
  finish(): Promise<void>;
  /** Engine memory figures in bytes plus contextsCreated / contextsLive. */
  memoryStats(): Record<string, number>;
}

export interface AddonModule {
  /** The package version the addon was built from. */
  version: string;
  Sampler: new (options?: SamplerOptions) => AddonSampler;
  /** Throws Error when the kind is not built into this addon (the message says how to build it). */
  NativeEngine: new (
    kind: NativeEngineKind | (string & {}),
    config: NativeEngineConfig,
  ) => AddonNativeEngine;
  /** What the addon finds on this machine; creates no CUDA context. */
  probe(): AddonProbe;
  /** CLOCK_MONOTONIC in ns. */
  monotonicNs(): number;
  /** cudaMalloc of bytes on device (default 0) through the dlopen'ed runtime; returns a handle. */
  plantDeviceAllocation(bytes: number, device?: number): number;
  freeDeviceAllocation(handle: number): void;
  /** cudaMemGetInfo (creates a CUDA context in this process). */
  cudaMemGetInfo(device?: number): { freeBytes: number; totalBytes: number };
}
