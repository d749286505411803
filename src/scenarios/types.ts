/**
 * The validated scenario (what src/scenarios/parse.ts returns) and the runs it expands to.
 * Everything downstream (run, analysis, report) reads these types only, never raw YAML.
 */

import type { ResnetName } from "../models/resnet.js";
export { RESNET_DEPTHS, type ResnetName } from "../models/resnet.js";

import type { InputProfile, Precision, ShapeMap, StrategyName } from "../engines/contract.js";
import type { EngineName, EngineSections, RequiredSectionEngine } from "../engines/registry.js";
export {
  PRECISIONS,
  STRATEGIES,
  type InputProfile,
  type InputValues,
  type Precision,
  type Shape,
  type ShapeMap,
  type StrategyName,
} from "../engines/contract.js";
export { ENGINES } from "../engines/registry.js";
export type { OnnxRuntimeOptions } from "../engines/onnxruntime/index.js";
export type { ProcessOptions } from "../engines/process/index.js";

export const SEQUENCE_KINDS = ["fixed", "cycle", "random", "ascending", "sawtooth"] as const;
type SequenceKind = (typeof SEQUENCE_KINDS)[number];

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

interface RunSpec {
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

interface MemorySpec {
  /** Device-memory sampling interval in milliseconds (native sampler; goal 1 ms). */
  intervalMs: number;
  /** GPU index sampled by NVML. */
  device: number;
}

type LeakGateMode = "fail" | "warn" | "off";

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
  /** Sweeps: p99 latency above this many ms keeps a combination from being recommended. */
  maxP99Ms?: number;
  /** Against a baseline results file: maximum throughput drop (fraction) and memory increase (fraction). */
  maxRegression?: number;
  maxMemoryIncrease?: number;
  /** What a shape-growth verdict does (default warn; absent in results files from before it existed). */
  shapeGrowth?: LeakGateMode;
  /** Largest projected growth if every allowed shape is seen, MiB. */
  maxShapeGrowthMiB?: number;
}

interface FaultSpec {
  /** Planted leak: device bytes allocated and never freed per iteration (native engines). */
  leakBytesPerIteration?: number;
  /** Keep every Nth call's outputs alive forever (native engines). */
  retainOutputsEvery?: number;
}

/** What every scenario holds, whatever its engine. */
interface ScenarioBase {
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
  /** The combinations a `sweep:` expands to (absent: one combination, the scenario as written). */
  sweep?: SweepPlan;
  /**
   * On a run's scenario (expandScenario): the sweep combination it measures, so the results
   * file's `runs[].config.sweepPoint` says which one it was.
   */
  sweepPoint?: SweepPoint;
}

/** One combination of a sweep, as a run records it. */
export interface SweepPoint {
  /** The combination's key ("" when only precision varies). */
  key: string;
  values: Record<string, SweepValue>;
  /** Axes of the whole sweep, in order. */
  axes: string[];
  /** Position among the sweep's combinations (0: the sweep's reference). */
  index: number;
  /**
   * The reference combination measured again after every other combination (key
   * `<reference run key>#repeat`): the drift between runs, not a point of its own.
   */
  repeat?: true;
}

/** One value of a sweep axis as written. */
export type SweepValue = string | number | boolean;

/** One combination of a sweep: what it sets, already validated and applied. */
export interface SweepCombo {
  /** Readable, unique within the sweep, e.g. "intraOpThreads=1,enableCpuMemArena=false" ("" when only precision varies). */
  key: string;
  /** Axis → value as written, e.g. { "onnxruntime.intraOpThreads": 1, precision: "fp16" }. */
  values: Record<string, SweepValue>;
  precision?: Precision;
  /** Label of the one sequence this combination runs (default: every sequence). */
  sequence?: string;
  /** A named profile variant (sweep.profiles), with its own sequences. */
  profile?: { name: string; inputs: Record<string, InputProfile>; sequences: SequenceSpec[] };
  /** The engine's section with this combination's options set (and resolved). */
  section?: unknown;
}

export interface SweepPlan {
  /** Axes in the order written (product form), or every key the list sets. */
  axes: string[];
  combos: SweepCombo[];
  /** Most runs the sweep may expand to. */
  max: number;
  /** Run the reference combination again at the end (sweep.repeatReference, default true; needs ≥ 2 combinations). */
  repeatReference: boolean;
}

/**
 * A scenario after parsing and validation, with every engine's section (defaults filled;
 * the engine named has its own, the others their defaults). An engine whose section has
 * required fields (process) has one only when it is the scenario's engine.
 */
export type Scenario = ScenarioBase &
  Partial<Pick<EngineSections, RequiredSectionEngine>> &
  Omit<EngineSections, RequiredSectionEngine>;

/** One (scenario × sequence × precision): its strategies are compared against each other. */
export interface ScenarioRun {
  /** "<scenario>/<sequence label>/<precision>" (then "/<combination>" in a sweep), unique within a bench. */
  key: string;
  scenario: Scenario;
  sequence: SequenceSpec;
  precision: Precision;
  /** The sweep combination this run measures (its scenario has the combination applied). */
  sweep?: SweepPoint;
  /** A sweep's repeat of its reference: the key of the run it repeats (kept in the same shard). */
  repeatOf?: string;
}
