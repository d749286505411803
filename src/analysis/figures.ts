/**
 * Figures read off a strategy's results: the median rate over rounds, the verdict of its
 * primary signal, the largest residual after release. Analysis (recommendation) and the
 * renderers share them.
 */
import { median as ssMedian } from "simple-statistics";
import type { RoundResult, StrategyResult } from "../results/types.js";
import type { LeakAnalysis } from "../results/verdicts.js";
import { DEVICE_LAYER_SIGNALS } from "../results/layers.js";

/** Median of a non-empty list (simple-statistics' median; the list is left untouched). */
export function median(values: readonly number[]): number {
  return ssMedian([...values]);
}

/** Median items/s over a strategy's rounds; undefined when it has none. */
export function medianRate(rounds: readonly RoundResult[]): number | undefined {
  const r = rounds.map((x) => x.itemsPerSecond).filter((x) => Number.isFinite(x) && x > 0);
  return r.length ? median(r) : undefined;
}

/** The leak analysis of the strategy's primary signal, when the analyser filled it. */
export function primaryLeak(s: StrategyResult): LeakAnalysis | undefined {
  return s.analysis?.leak[s.primarySignal];
}

/** Largest known teardown residual (release or after exit), bytes; undefined when unmeasured. */
export function residualBytes(s: StrategyResult): number | undefined {
  const r = s.residual;
  if (!r) return undefined;
  const known = [r.afterReleaseBytes, r.afterExitDeviceBytes].filter((x): x is number => typeof x === "number");
  return known.length ? Math.max(...known) : undefined;
}

/**
 * When a strategy's residual was measured: after it released its context, or only after its
 * process exited (it never released: persistent). Undefined when nothing was measured.
 */
export function residualAfter(s: StrategyResult): "release" | "exit" | undefined {
  const r = s.residual;
  if (typeof r?.afterReleaseBytes === "number") return "release";
  return typeof r?.afterExitDeviceBytes === "number" ? "exit" : undefined;
}

/** Signals measured on the device (their capacity is the GPU's), by name; allocator layers included. */
export function isDeviceSignal(signal: string): boolean {
  return /gpu|device/i.test(signal) || DEVICE_LAYER_SIGNALS.has(signal);
}
