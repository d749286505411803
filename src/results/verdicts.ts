/**
 * The analysis results as the results file stores them (verdicts, throughput ratios, gate
 * outcomes, shape attribution). src/analysis computes them; report and compare read them.
 */
import type { StrategyName } from "../scenarios/types.js";

/**
 * `shape-growth`: memory grows only when a call arrives at a shape not fed before (plan
 * caches, kernels loaded on first use, larger buffers) and stays flat on shapes seen
 * before; bounded by the shapes the profile allows.
 */
export type LeakVerdict = "leak" | "shape-growth" | "plateau" | "flat" | "inconclusive";

export interface LeakAnalysis {
  verdict: LeakVerdict;
  /** Robust growth rate after warm-up, bytes per iteration. */
  slopeBytesPerIteration: number;
  /** 95 % confidence interval of the slope, bytes per iteration. */
  slopeCi: [number, number];
  /** Same, per second, when times are known. */
  slopeBytesPerSecond?: number;
  /** Trend-test p-value (small: growth is real), after correcting for autocorrelation. */
  pValue: number;
  /** Iteration where growth started (leak) or stopped (plateau: `plateauIteration`). */
  onsetIteration?: number;
  plateauIteration?: number;
  /** Growth from the start of the judged window to its end, bytes. */
  growthBytes: number;
  /** Points judged (after warm-up and block reduction). */
  points: number;
  /** For `leak` with a capacity known. */
  projection?: {
    iterationsToOom: number;
    secondsToOom?: number;
    /** Using the upper confidence bound of the slope. */
    pessimisticIterationsToOom: number;
    pessimisticSecondsToOom?: number;
  };
  /** For `inconclusive`: iterations more that would likely decide. */
  moreIterationsNeeded?: number;
  /** One line a person can read. */
  explanation: string;
}

export interface ThroughputComparison {
  strategy: StrategyName;
  baseline: StrategyName;
  /** Median over rounds of (strategy items/s ÷ baseline items/s in the same round). */
  ratio: number;
  /** 95 % bootstrap confidence interval of that median. */
  ratioCi: [number, number];
  /** faster / slower only when the whole interval is past the noise threshold. */
  claim: "faster" | "slower" | "within-noise" | "no-data";
  rounds: number;
}

export interface GateOutcome {
  gate:
    | "leak"
    | "shape-growth"
    | "residual"
    | "min-speedup"
    | "max-slowdown"
    | "max-peak"
    | "regression"
    | "memory-increase"
    | "run";
  status: "pass" | "fail" | "warn";
  /** Scenario run key and strategy concerned, when one. */
  run?: string;
  strategy?: StrategyName;
  /** One line: what was measured vs the threshold. */
  message: string;
}

/** Why a signal's verdict is what it is, once growth is attributed to shapes. */
export type ShapeReason =
  /** No measured call was at a new shape: the whole series decides. */
  | "no-new-shapes"
  /** Memory keeps growing on calls at shapes already seen: a leak (on top of any shape growth). */
  | "repeat-growth"
  /** Growth only at first-seen shapes; repeats flat. */
  | "new-shapes-only"
  /** Growth at new shapes, but repeats are not yet proven flat. */
  | "repeats-undecided"
  /** The whole series' verdict stands (it did not grow, or growth is not tied to new shapes). */
  | "whole-series";

/** Growth attributed to first-seen vs repeated shapes, for one memory signal. */
export interface ShapeAttribution {
  reason: ShapeReason;
  /** Verdict of the whole series, before attribution. */
  wholeVerdict: LeakVerdict;
  distinctShapes: number;
  newShapeCalls: number;
  repeatCalls: number;
  /** Shapes the run's sequence can produce (exact: false → a lower bound). */
  allowedShapes?: { count: number; exact: boolean };
  /** Bytes owned by new-shape events in all. */
  newShapeBytes: number;
  /** Mean bytes per new shape and its 95 % bootstrap CI (events kept in the results). */
  bytesPerNewShape: number;
  bytesPerNewShapeCi: [number, number];
  /** Verdict of the memory with new-shape steps removed (x: repeat-call ordinal). */
  repeat?: LeakAnalysis;
  /** Projected memory if every allowed shape is seen. */
  bound?: {
    remainingShapes: number;
    /** Current level + remaining × bytes per new shape (CI from the per-shape CI). */
    projectedBytes: number;
    projectedCi: [number, number];
    /** Capacity of the signal's memory (device or host), bytes. */
    capacityBytes: number;
    /** The CI's upper bound fits in the capacity. */
    fits: boolean;
    /** New shapes until out of memory at the mean rate (when growth per shape > 0). */
    shapesToOom?: number;
  };
}

/** What dynamic shapes cost one strategy: first-seen-shape calls vs repeat calls. */
export interface ShapeTax {
  newShapeCalls: number;
  repeatCalls: number;
  newShapeLatencyMs?: { p50: number; p99: number; samples: number };
  repeatLatencyMs?: { p50: number; p99: number; samples: number };
  /** median(new-shape latency) ÷ median(repeat latency), 95 % bootstrap CI. */
  latencyRatio?: number;
  latencyRatioCi?: [number, number];
  /** Primary signal's bytes per new shape, with CI. */
  bytesPerNewShape?: number;
  bytesPerNewShapeCi?: [number, number];
}

/** Why the recommendation left a strategy out (src/report/recommend.ts words it). */
export type Exclusion =
  | { code: "oom" }
  | { code: "not-completed"; state: string }
  | { code: "no-analysis" }
  | { code: "leak"; slopeBytesPerIteration: number }
  | { code: "inconclusive" }
  /** Grows per new shape and would run out of memory after ~shapesToOom more. */
  | { code: "shape-growth-unbounded"; shapesToOom: number }
  /**
   * Leaves more than limitMiB after release beyond floorBytes, the least any strategy of the
   * run left (what the process keeps whatever the strategy), when two or more measured one.
   */
  | { code: "residual"; residualBytes: number; limitMiB: number; floorBytes?: number };

export interface Recommendation {
  /** Undefined when every strategy was excluded. */
  strategy?: StrategyName;
  /** Its throughput ÷ the baseline's (1 for the baseline itself), when known. */
  ratio?: number;
  ratioCi?: [number, number];
  /** Median items/s over rounds. */
  itemsPerSecond?: number;
  /** Candidates whose interval overlaps the winner's: the order between them is not shown. */
  withinNoise: StrategyName[];
  excluded: Array<{ strategy: StrategyName } & Exclusion>;
  /**
   * What put the winner first: `ratio` (median of per-round ratios to the baseline from
   * interleaved rounds), `rate` (median calls/s: some candidate has no ratio), or `only`
   * (every other strategy was excluded).
   */
  rankedBy?: "ratio" | "rate" | "only";
  /** Candidates with a higher median calls/s than the winner (ranked lower by the ratio). */
  higherRate: Array<{ strategy: StrategyName; itemsPerSecond: number }>;
  /** What is known of the winner's memory. */
  memory?: {
    verdict: string;
    /** Largest residual measured after release, bytes; undefined when not measured. */
    residualBytes?: number;
    /**
     * When the residual was measured: "release" (the strategy released its context), or
     * "exit" (it never did, e.g. persistent: only the device figure after its process exited).
     */
    residualAfter?: "release" | "exit";
    /** Limit the residual was held to, MiB (the scenario's, else DEFAULT_RESIDUE_MIB). */
    residualLimitMiB: number;
    /** false: a host signal with no gate.maxResidualMiB, where no limit is applied. */
    residualGated: boolean;
    /** Why not gated on device memory: only one strategy released (nothing to hold it against). */
    residualUngated?: "one-release";
    /** The least any strategy of the run left after release; the limit applies above it. */
    residualFloorBytes?: number;
  };
}
