import type { EngineName } from "../engines/registry.js";
import type { AllocationTraceOutcome } from "../engines/allocation-sites.js";
import type { GateSpec, Precision, StrategyName } from "../scenarios/types.js";
import type {
  LeakAnalysis,
  ShapeAttribution,
  ShapeTax,
  ThroughputComparison,
  GateOutcome,
  Recommendation,
} from "./verdicts.js";
import type { LayerAnalysis, SourceCheck } from "./layers.js";
import type { SweepAnalysis } from "./sweep.js";

/** Version of the results JSON; bump on incompatible change. */
export const RESULTS_SCHEMA = "vramgate.results/1" as const;

export interface GpuInfo {
  /** NVML index (nvidia-smi's order). */
  index: number;
  name: string;
  uuid?: string;
  totalBytes: number;
  driverVersion?: string;
  /** Clocks when this was read (absent in files from before it existed). */
  clocks?: GpuClocks;
}

/** A GPU's clocks in MHz, now and at most (NVML); a figure NVML cannot tell is absent. */
export interface GpuClocks {
  smMHz?: number;
  smMaxMHz?: number;
  memMHz?: number;
  memMaxMHz?: number;
}

/** The GPU one run was measured on, read when the run started (`bench --gpus` spreads runs over several). */
export interface RunGpu extends GpuInfo {
  uuid: string;
  clocks: GpuClocks;
  /** ISO time the GPU was read (the run's start). */
  recordedAt: string;
}

export interface Environment {
  hostname: string;
  os: string;
  kernel: string;
  cpu: string;
  cpuCount: number;
  totalMemoryBytes: number;
  node: string;
  vramgate: string;
  gitCommit?: string;
  addon: { loaded: boolean; reason?: string; nvml: boolean; cudaRuntime: boolean };
  gpus: GpuInfo[];
  driverVersion?: string;
  cudaVersion?: string;
  /** Engine library versions, e.g. { onnxruntime: "1.30.0", libtorch: "2.11.0" }. */
  engines: Record<string, string>;
  /** What else shaped the figures when the run started (absent in files from before it existed). */
  fingerprint?: HostFingerprint;
}

/** Machine state that moves throughput without being the code: compared (warnings) by `compare`. */
export interface HostFingerprint {
  /** 1-minute load average when the run started (other work on the machine). */
  loadAverage1m?: number;
  /** CPU frequency governor of cpu0 (/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor), where readable. */
  cpuGovernor?: string;
}

/** How a strategy's run ended. Anything but `completed` keeps the data gathered up to the fault. */
export type StrategyState = "completed" | "crashed" | "oom" | "errored" | "timeout" | "aborted" | "skipped";

/**
 * A memory/latency series reduced to at most a fixed number of blocks of equal
 * iteration count (bounded memory on any run length). Columnar: index k of every array
 * describes block k.
 */
export interface BlockSeries {
  /** Iterations per block (the last block may hold fewer). */
  blockSize: number;
  /** First measured iteration index in each block (0-based, after warm-up). */
  firstIteration: number[];
  /** Last iteration index in each block. */
  lastIteration: number[];
  /** Milliseconds since the strategy's first measured iteration, at the block's end. */
  timeMs: number[];
  /** Mean latency of the block's calls, milliseconds. */
  latencyMeanMs: number[];
  /** Per memory signal (bytes): min, max and mean over the block's iterations. */
  signals: Record<string, { min: number[]; max: number[]; mean: number[] }>;
}

export interface LatencySummary {
  /** Calls measured. */
  count: number;
  meanMs: number;
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface RoundResult {
  round: number;
  iterations: number;
  /** Wall time of the round's calls (sum of per-call host latency), ms. */
  busyMs: number;
  /** iterations / busy seconds. */
  itemsPerSecond: number;
}

/** Shape attribution as stored in a results file (per strategy). */
export interface ShapeStats {
  /** Calls that owned a change after `lagCalls` (see the module comment). */
  lagCalls: number;
  /** Distinct shapes fed, warm-up included. */
  distinctShapes: number;
  /** Measured calls (replay included) at a first-seen shape. */
  newShapeCalls: number;
  /** Measured calls at a shape fed before. */
  repeatCalls: number;
  /** Per new-shape event among measured calls, in order (at most MAX_EVENTS kept). */
  events: {
    /** Measured iteration of the event's call. */
    iteration: number[];
    /** Bytes the event owned, per signal (same order as `iteration`). */
    bytes: Record<string, number[]>;
  };
  /** Events beyond the kept list (their bytes are still in `eventBytesTotal`). */
  eventsDropped: number;
  /** Sum of bytes owned by all events, per signal. */
  eventBytesTotal: Record<string, number>;
  /**
   * Memory with the steps at new shapes removed, per signal: the level before the first
   * measured call plus the changes owned by repeat calls. `firstIteration`/`lastIteration`
   * count repeat calls (ordinal), not measured iterations; `timeMs` is the call's real time.
   */
  repeatSeries: BlockSeries;
  /** Host latency of calls (ms): a bounded uniform sample of each kind. */
  latencyMs: { newShape: number[]; repeat: number[] };
}

/**
 * Calls made after the measured rounds to test the verdict: a replay of shapes already seen
 * (a leak keeps growing there, growth per new shape does not), then, when the primary
 * verdict is `leak`, `shape-growth` or `inconclusive`, extensions of more replay calls until two checks in a
 * row agree or the budget (run.confirm) runs out. These calls are in `series` and the trace
 * (after `iterations`), never in `rounds` or `latency`.
 */
export interface Confirmation {
  /** Replay calls made (the replay phase and the extensions together). */
  replayCalls: number;
  /** Measured iteration of the first replay call. */
  fromIteration: number;
  /** Primary verdict after the replay phase, before any extension. */
  verdictBefore?: string;
  /** Primary verdict after the last check. */
  verdictAfter?: string;
  /** Primary verdicts after each extension, in order. */
  checks: string[];
  /** Set when extensions ran: true when the verdict held (verdictAfter = verdictBefore and the last two checks agree). */
  confirmed?: boolean;
  /** The budget ran out before two checks in a row agreed. */
  budgetExhausted?: boolean;
}

export interface StrategyResult {
  strategy: StrategyName;
  state: StrategyState;
  error?: {
    message: string;
    /** Iteration (0-based, measured) at which the fault happened, when known. */
    iteration?: number;
    signal?: string;
    exitCode?: number;
    /** The process engine's last protocol exchange, or the child's last words on stderr. */
    lastExchange?: string;
  };
  /** For state `oom`: where it happened. */
  oom?: { iteration: number; usedBytes: number };
  pid?: number;
  warmupIterations: number;
  /** Measured iterations completed. */
  iterations: number;
  durationMs: number;
  rounds: RoundResult[];
  latency?: LatencySummary;
  /** Distinct shapes fed, in first-seen order, as "input:1x3x224x224;…". */
  shapes: string[];
  /** Name of the signal the verdict is based on (e.g. "gpuProcessBytes" or "rssBytes"). */
  primarySignal: string;
  /** Peak value of each memory signal over the whole run, bytes. */
  peakBytes: Record<string, number>;
  /** Value of each signal before activation (the process baseline), bytes. */
  startBytes: Record<string, number>;
  series: BlockSeries;
  /** Per-iteration CSV (the `analyze` format), relative to the results JSON. */
  traceFile?: string;
  residual?: {
    /** Process memory after deactivate minus before activate (what release did not return), bytes. */
    afterReleaseBytes?: number;
    /** Device-wide used after the child exited minus before it started, bytes (driver-level). */
    afterExitDeviceBytes?: number;
  };
  /** Engine memory figures (e.g. TensorRT engine/context device memory), bytes. */
  engineMemory?: Record<string, number>;
  /**
   * Present when NVML's per-process figure could not see this strategy's process (a
   * container's PID namespace): `gpuProcessBytes` is then device-level (src/run/pid-namespace.ts).
   */
  gpuAttribution?: GpuAttribution;
  /** Growth attributed to first-seen vs repeated shapes (absent in files from before it existed). */
  shapeStats?: ShapeStats;
  /** The designed experiment after the measured rounds: replay of seen shapes, and the extension that confirms a verdict. */
  confirmation?: Confirmation;
  /**
   * Allocation stacks (process workers with PyTorch): after a `leak` verdict, or with
   * bench --trace-allocations, a short run of replay calls with PyTorch's allocation history
   * on, and the top sites of the blocks it left alive; or why none could be recorded.
   */
  allocationSites?: AllocationTraceOutcome;
  analysis?: {
    /** Final verdict per signal (shape attribution applied when shapeStats exist). */
    leak: Record<string, LeakAnalysis>;
    /** Per signal: how growth splits between new and repeated shapes. */
    shapes?: Record<string, ShapeAttribution>;
    /** The dynamic-shape tax (latency and memory of first-seen-shape calls). */
    tax?: ShapeTax;
    /** Memory layers (process total, allocator allocated/reserved, outside the allocator) and where growth lives. */
    layers?: LayerAnalysis;
    /** Sources of one quantity (NVML process, device-wide, cudaMemGetInfo, allocator reserved) compared, when one is judged `leak`. */
    sources?: SourceCheck[];
  };
}

export interface ScenarioRunResult {
  /** "<scenario>/<sequence>/<precision>" */
  key: string;
  scenario: string;
  file: string;
  engine: EngineName;
  model: { path: string; sha256: string; generated?: string };
  precision: Precision;
  sequence: string;
  baseline: StrategyName;
  gate: GateSpec;
  /** The validated scenario as run (for reproduction). */
  config: unknown;
  /** Distinct shapes this run's sequence can produce (exact: false → a lower bound). */
  allowedShapes?: { count: number; exact: boolean };
  strategies: StrategyResult[];
  throughput?: ThroughputComparison[];
  /** The strategy to ship and why the others were left out (src/analysis/recommend.ts). */
  recommendation?: Recommendation;
  /** The GPU this run was measured on, read at its start (absent without NVML or in older files). */
  gpu?: RunGpu;
  /** Set by `vramgate merge`: the file, host and GPUs this run was measured on. */
  origin?: RunOrigin;
}

/**
 * How a strategy's `gpuProcessBytes` was measured when NVML's process list did not hold its
 * PID: device used minus the level before the child started. `idle`: no other process was
 * on the GPU then (the figures are this strategy's and its run's siblings'); not idle: they
 * also hold other processes' memory and are unreliable.
 */
export interface GpuAttribution {
  mode: "device-level";
  /** Code of what was seen (src/run/pid-namespace.ts). */
  reason: "pid-not-listed" | "foreign-pids-only";
  idle: boolean;
  /** Device used before the child started, bytes (subtracted from every sample). */
  baseDeviceBytes: number;
  /** PIDs NVML listed on the GPU when this was decided (host namespace). */
  listedPids: number[];
}

/** Where a merged run came from (its shard's results file). */
export interface RunOrigin {
  runId: string;
  hostname: string;
  gpus: GpuInfo[];
  shard?: { index: number; count: number };
}

/** This file holds one shard of a bench (`--shard i/n` or the scheduler's environment). */
export interface ShardRecord {
  /** 1-based. */
  index: number;
  count: number;
  /** Where the shard came from, e.g. "--shard 2/3" or "Slurm job array: SLURM_ARRAY_TASK_ID=4, …". */
  source: string;
  /** Digest of every run key of every shard and the count: shards of one plan share it. */
  plan: string;
  /** Runs over all shards. */
  plannedRuns: number;
}

export interface ResultsFile {
  schema: typeof RESULTS_SCHEMA;
  runId: string;
  createdAt: string;
  finishedAt?: string;
  /** completed, or aborted by Ctrl-C / SIGTERM (what was gathered is kept). */
  state: "completed" | "aborted";
  argv: string[];
  environment: Environment;
  runs: ScenarioRunResult[];
  gates?: GateOutcome[];
  /** Present when this file holds one shard of a bench. */
  shard?: ShardRecord;
  /** Present when `vramgate merge` wrote this file: the files merged, in order. */
  mergedFrom?: MergedSource[];
  /** One per scenario and sequence that ran a sweep: points, Pareto front, recommendation (src/analysis/pareto.ts). */
  sweeps?: SweepAnalysis[];
}

export interface MergedSource {
  file: string;
  runId: string;
  hostname: string;
  shard?: ShardRecord;
  /** Run keys taken from this file. */
  runs: string[];
}
