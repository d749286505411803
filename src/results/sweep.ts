/**
 * A sweep's analysis as the results file stores it (`sweeps[]`, src/analysis/pareto.ts):
 * every (combination × strategy) point with its figures, the Pareto front of peak memory
 * against throughput, and the configuration recommended under the gates — as figures and
 * codes; src/report/sweep.ts words them.
 */
import type { Precision, StrategyName, SweepValue } from "../scenarios/types.js";

/** Why a point may not be recommended. */
export type SweepExclusion =
  /** The run's own recommendation left the strategy out (leak, fault, residual, …): its code. */
  | { code: "strategy"; reason: string }
  | { code: "max-peak"; peakBytes: number; limitMiB: number }
  | { code: "max-p99"; p99Ms: number; limitMs: number }
  /** No throughput or no peak memory measured. */
  | { code: "no-figures" };

export interface SweepPointResult {
  /** Run key. */
  run: string;
  /** The combination's key ("" when only precision varies). */
  combination: string;
  values: Record<string, SweepValue>;
  precision: Precision;
  strategy: StrategyName;
  /** Median calls/s over rounds. */
  itemsPerSecond?: number;
  /**
   * Median rate ÷ the reference's, with a bootstrap 95 % CI over the rounds of both; for a
   * point of another run than the reference's, widened by the sweep's drift (see `drift`).
   */
  ratio?: number;
  ratioCi?: [number, number];
  /** The bootstrap interval before the drift widened it (points of other runs, when drift was measured). */
  ratioCiRounds?: [number, number];
  p99Ms?: number;
  /** Peak of the primary signal, bytes. */
  peakBytes?: number;
  primarySignal: string;
  /** Primary verdict, or the state when the strategy did not complete. */
  verdict: string;
  excluded: SweepExclusion[];
  /**
   * On the Pareto front: no other point is at least as fast (or cannot be told apart from it
   * by the intervals, drift included) with no more memory, and better in one.
   */
  front: boolean;
}

export interface SweepAnalysis {
  scenario: string;
  sequence: string;
  axes: string[];
  /** The point every ratio is taken against: the first combination's baseline strategy. */
  reference: { run: string; strategy: StrategyName };
  points: SweepPointResult[];
  /** Index into `points`; absent when every point was excluded. */
  recommended?: number;
  /**
   * What chose it: `fastest` (highest ratio among the eligible), or `least-memory` (the least
   * peak among the eligible tied with the fastest: each one's estimate inside the other's interval).
   */
  rankedBy?: "fastest" | "least-memory" | "only";
  /** Index of the fastest eligible point, when the least-memory rule chose another. */
  fastest?: number;
  /**
   * Eligible points not tied with the recommended one whose intervals still overlap its own:
   * it is first by its estimate, not surely faster than these (more rounds or longer runs decide).
   */
  overlapping?: number[];
  /**
   * Drift between runs: the reference strategy's median rate in the repeat of the reference
   * run (made after every other combination) ÷ its rate in the first, with a bootstrap 95 %
   * CI over both runs' rounds. Absent when no repeat ran (sweep.repeatReference: false, one
   * combination, `--only`, or the repeat in no results): then ratios between combinations
   * are not interleaved and their drift is not measured.
   */
  drift?: SweepDrift;
  /** The constraints applied, as written in the gate. */
  limits: { maxPeakMiB?: number; maxP99Ms?: number };
}

export interface SweepDrift {
  /** The reference run, measured first. */
  run: string;
  /** Its repeat, measured last (`<run>#repeat`). */
  repeat: string;
  strategy: StrategyName;
  /** Repeat's median rate ÷ the first run's. */
  ratio: number;
  ci: [number, number];
}
