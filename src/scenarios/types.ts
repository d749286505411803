/**
 * The validated scenario (what src/scenarios/parse.ts returns) and the runs it expands to.
 * Everything downstream (run, analysis, report) reads these types only, never raw YAML.
 */

import type { ResnetName } from "../models/resnet.js";
export { RESNET_DEPTHS, type ResnetName } from "../models/resnet.js";

export const ENGINES = ["onnxruntime", "libtorch", "tensorrt", "process"] as const;
export type EngineName = (typeof ENGINES)[number];

export const STRATEGIES = ["persistent", "teardown", "scoped", "per-shape", "user-managed"] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export const PRECISIONS = ["fp32", "fp16", "bf16", "int8", "fp8"] as const;
export type Precision = (typeof PRECISIONS)[number];

export const SEQUENCE_KINDS = ["fixed", "cycle", "random", "ascending", "sawtooth"] as const;
export type SequenceKind = (typeof SEQUENCE_KINDS)[number];

/**
 * Values fed to an input: `{ min, max }` (inclusive; integers in [min, max] for integer
 * dtypes, uniform in [min, max] for float dtypes), or every element 1 (`ones`) or 0
 * (`zeros`). Real models need valid values, not just shapes: token ids below the
 * vocabulary size, attention masks of 0/1.
 */
export type InputValues = { min: number; max: number } | "ones" | "zeros";

/** A tensor shape: one positive integer per dimension. */
export type Shape = number[];
/** One shape per model input, keyed by input name. */
export type ShapeMap = Record<string, Shape>;

export interface InputProfile {
  /** Smallest shape the engine must accept. */
  min: Shape;
  /** Shape the engine is tuned for (TensorRT's opt). */
  opt: Shape;
  /** Largest shape; memory is often sized for it. */
  max: Shape;
  /** Element type fed to this input. Default float32. */
  dtype: "float32" | "float16" | "int64" | "int32";
  /**
   * Values fed to this input. Absent: each engine's own deterministic fill
   * (scenarios/README-fields.md lists them; a process worker chooses its own).
   */
  values?: InputValues;
}

export interface SequenceSpec {
  kind: SequenceKind;
  /** fixed: the one shape fed (default: opt). cycle: the shapes fed in turn (default: min, opt, max). */
  shapes?: ShapeMap[];
  /** random: PRNG seed (default: run.seed). */
  seed?: number;
  /** sawtooth: iterations from min to max before dropping back (default 16). */
  period?: number;
  /**
   * Bucketing (random, ascending, sawtooth): every dynamic dim (profile min != max) is
   * rounded up to the next multiple of this, clamped to the profile's max. The model runs
   * on the padded shape. Never together with `buckets`.
   */
  multipleOf?: number;
  /**
   * Bucketing: every dynamic dim is rounded up to the smallest of these (strictly
   * ascending positive integers) that is at least the drawn dim, else to the profile's max.
   */
  buckets?: number[];
  /** Label used in run keys and reports, e.g. "random" or "cycle". Defaults to kind. */
  label: string;
}

export type ModelSpec =
  | {
      kind: "file";
      path: string /** absolute path after resolution against the scenario's folder */;
      resolvedPath: string;
    }
  | { kind: "generate"; arch: ResnetName; seed: number }
  /** Engine `process` only, when the scenario names no model: the worker loads its own. */
  | { kind: "none" };

export interface RunSpec {
  /** Iterations before measurement starts (per strategy, not timed into rounds). */
  warmup: number;
  /** Measured iterations per strategy, spread over `rounds` interleaved rounds. */
  iterations: number;
  /** Interleaved rounds (A B C A B C …) used for throughput ratios. */
  rounds: number;
  /** Hard cap on the whole scenario run; strategies stop early (state stays completed, iterations counted). */
  maxDurationS: number;
  /** Seed for random shape sequences and generated inputs. */
  seed: number;
  /** A round that makes no progress for this long is a hang: the child is killed, state `timeout`. */
  watchdogS: number;
  /** Replay calls after the rounds (only shapes already seen); "auto": see replayCalls(). */
  replay: "auto" | number;
  /** Budget for confirming a leak / shape-growth verdict with more replay calls; false: never. */
  confirm: false | { calls?: number; seconds?: number };
}

export interface MemorySpec {
  /** Device-memory sampling interval in milliseconds (native sampler; goal 1 ms). */
  intervalMs: number;
  /** GPU index sampled by NVML. */
  device: number;
}

export type LeakGateMode = "fail" | "warn" | "off";

export interface GateSpec {
  leak: LeakGateMode;
  /** Per-strategy verdicts that do not fail the leak gate, e.g. { persistent: ["plateau"] }. */
  allow: Partial<Record<StrategyName, Array<"plateau" | "shape-growth" | "inconclusive" | "leak">>>;
  /** Fail when memory not returned after release exceeds this many MiB. */
  maxResidualMiB?: number;
  /** Fail unless strategy is at least this many times faster than the baseline, e.g. { persistent: 2 }. */
  minSpeedup: Partial<Record<StrategyName, number>>;
  /** Fail when any strategy is slower than the baseline by more than this fraction (0.1 = 10 %). */
  maxSlowdown?: number;
  /** Fail when any strategy's peak device (or, without GPU, host) memory exceeds this many MiB. */
  maxPeakMiB?: number;
  /** Against a baseline results file: maximum throughput drop (fraction) and memory increase (fraction). */
  maxRegression?: number;
  maxMemoryIncrease?: number;
  /** What a shape-growth verdict does (default warn; absent in results files from before it existed). */
  shapeGrowth?: LeakGateMode;
  /** Largest projected growth if every allowed shape is seen, MiB. */
  maxShapeGrowthMiB?: number;
}

export interface FaultSpec {
  /** Planted leak: device bytes allocated and never freed per iteration (native engines). */
  leakBytesPerIteration?: number;
  /** Keep every Nth call's outputs alive forever (native engines). */
  retainOutputsEvery?: number;
}

export interface OnnxRuntimeOptions {
  executionProvider: "cpu" | "cuda" | "tensorrt";
  intraOpThreads?: number;
  interOpThreads?: number;
  /** ORT's CPU memory arena (ORT default: on). */
  enableCpuMemArena?: boolean;
  /** ORT's memory-pattern planner (ORT default: on). */
  enableMemPattern?: boolean;
}
export interface TensorRtOptions {
  workspaceMiB?: number;
  builderOptimizationLevel?: number;
  allocationStrategy: "static" | "on-profile-change";
  cudaGraph: boolean;
  perShapePoolSize: number;
  tacticSources?: string[];
  /** Absolute after resolution against the scenario's folder. */
  cacheDir?: string;
  /** TensorRT logger threshold (native default: warning). */
  logLevel?: "error" | "warning" | "info" | "verbose";
}
export interface LibtorchOptions {
  cudaGraph: boolean;
  perShapePoolSize: number;
}
export interface ProcessOptions {
  /** argv of the user's worker; run from the scenario's folder unless cwd is given. */
  command: string[];
  cwd?: string;
  env: Record<string, string>;
  /** Seconds to wait for each reply before the worker counts as hung. Default: run.watchdogS. */
  replyTimeoutS?: number;
}

/** A scenario after parsing and validation: defaults filled, paths resolved. */
export interface Scenario {
  /** Absolute path of the YAML file. */
  file: string;
  name: string;
  description?: string;
  model: ModelSpec;
  engine: EngineName;
  precisions: Precision[];
  /** Per model input. Key order is the model's input order. */
  profile: Record<string, InputProfile>;
  sequences: SequenceSpec[];
  strategies: StrategyName[];
  baseline: StrategyName;
  run: RunSpec;
  memory: MemorySpec;
  gate: GateSpec;
  faults: FaultSpec;
  onnxruntime: OnnxRuntimeOptions;
  tensorrt: TensorRtOptions;
  libtorch: LibtorchOptions;
  process?: ProcessOptions;
}

/** One (scenario × sequence × precision): its strategies are compared against each other. */
export interface ScenarioRun {
  /** "<scenario>/<sequence label>/<precision>", unique within a run. */
  key: string;
  scenario: Scenario;
  sequence: SequenceSpec;
  precision: Precision;
}
