import type { StrategyName } from "../scenarios/types.js";

export type LeakVerdict = "leak" | "plateau" | "flat" | "inconclusive";

/** A memory series to judge: one value per point, in iteration order. */
export interface MemorySeries {
  /** Iteration index of each point (need not be contiguous: block series skip). */
  iteration: ArrayLike<number>;
  /** Bytes at each point. */
  value: ArrayLike<number>;
  /** Milliseconds since start at each point, when known (for slopes per second). */
  timeMs?: ArrayLike<number>;
  /**
   * Optional floor of each point, bytes, when each point already summarises a block (a
   * BlockSeries' `min` beside its `max` as `value`). Lets the detector see that a sawtooth's
   * or a garbage-collected heap's floor stays put while its peaks rise. Default: `value`.
   */
  min?: ArrayLike<number>;
}

export interface LeakOptions {
  /** Points with iteration below this are warm-up and ignored. Default: auto (first 10 %). */
  warmupIterations?: number;
  /** Device (or host) capacity in bytes, for the out-of-memory projection. */
  totalBytes?: number;
  /** Bytes free at the end of the series (default: totalBytes - last value). */
  freeBytes?: number;
}

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
  gate: "leak" | "residual" | "min-speedup" | "max-slowdown" | "max-peak" | "regression" | "memory-increase" | "run";
  status: "pass" | "fail" | "warn";
  /** Scenario run key and strategy concerned, when one. */
  run?: string;
  strategy?: StrategyName;
  /** One line: what was measured vs the threshold. */
  message: string;
}
