/**
 * Number formatting shared by the markdown, terminal and CI renderers, so a figure reads
 * the same everywhere. All helpers return plain text (no markup, no colour).
 */
import type { LeakAnalysis, ThroughputComparison } from "../results/verdicts.js";
import type { ThroughputChange } from "../analysis/compare.js";
import type { RoundResult, StrategyResult } from "../results/types.js";

export const MIB = 1024 * 1024;
export const KIB = 1024;

/** What a figure that could not be measured prints as (never "NaN" or "Infinity"). */
export const NA = "n/a";

/** Bytes as MiB with one decimal below 100 MiB and none above: "12.5", "2048"; "n/a" when not finite. */
export function mib(bytes: number): string {
  if (!Number.isFinite(bytes)) return NA;
  const v = bytes / MIB;
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** About 3 significant figures (whole numbers from 100 up), no exponent for the ranges we show; "n/a" when not finite. */
export function sig3(v: number): string {
  if (!Number.isFinite(v)) return NA;
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** Items per second, about 3 significant figures. */
export function rate(itemsPerSecond: number): string {
  return sig3(itemsPerSecond);
}

/** End a sentence with a full stop unless it already ends with punctuation. */
export function sentence(s: string): string {
  return /[.!?]$/.test(s.trimEnd()) ? s.trimEnd() : `${s.trimEnd()}.`;
}

/** Ratio with two decimals: "3.12×"; "n/a" when not finite. */
export function times(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : NA;
}

/**
 * A 95 % interval with two decimals: "[2.95, 3.30]". An infinite or missing end (too few
 * rounds to bound it) prints as "n/a", never as "Infinity".
 */
export function ci2(ci: readonly [number, number]): string {
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : NA);
  return `[${f(ci[0])}, ${f(ci[1])}]`;
}

/** Signed percent change from a ratio: 0.93 → "−7.0 %"; "n/a" when not finite. */
export function percentChange(ratio: number): string {
  if (!Number.isFinite(ratio)) return NA;
  const p = Math.round((ratio - 1) * 1000) / 10;
  const sign = p > 0 ? "+" : p < 0 ? "−" : "±";
  return `${sign}${Math.abs(p).toFixed(1)} %`;
}

/**
 * Slope in the unit that suits its size (the CI in the same unit):
 * "+1.50 MiB/iter [1.42, 1.58]" or "+3.2 KiB/iter [−0.4, 6.9]". An end of the interval
 * that is not finite (too few points to bound it) prints as "n/a"; so does the slope.
 */
export function slope(bytesPerIteration: number, ci?: [number, number]): string {
  if (!Number.isFinite(bytesPerIteration)) return NA;
  const { f, name } = slopeUnit([bytesPerIteration, ...(ci ?? [])]);
  const head = `${bytesPerIteration > 0 ? "+" : ""}${f(bytesPerIteration)} ${name}`;
  return ci ? `${head} [${f(ci[0])}, ${f(ci[1])}]` : head;
}

/** MiB/iter when any figure reaches 1 MiB, else KiB/iter, and a formatter in that unit. */
function slopeUnit(figures: readonly number[]): { f: (x: number) => string; name: string } {
  const big = Math.max(0, ...figures.filter(Number.isFinite).map(Math.abs)) >= MIB;
  const unit = big ? MIB : KIB;
  const f = (x: number): string => {
    if (!Number.isFinite(x)) return NA;
    const v = x / unit;
    const s =
      Math.abs(v) >= 100 ? Math.abs(v).toFixed(0) : Math.abs(v) >= 10 ? Math.abs(v).toFixed(1) : Math.abs(v).toFixed(2);
    return (v < 0 && Number(s) !== 0 ? "−" : "") + s;
  };
  return { f, name: big ? "MiB/iter" : "KiB/iter" };
}

/**
 * A strategy's slope in words that agree with its verdict (issue #12: "+1.00 MiB/iter"
 * printed beside `flat` read as growth). `leak`, `inconclusive` and `shape-growth` show the
 * slope with its 95 % CI, as the evidence. `flat`, and `plateau` (whose slope is the part
 * after growth stopped, hence "late:"), never show a bare point estimate as growth: a CI
 * that reaches 0 prints as "within noise [lo, hi]" ("none (constant)" when it is [0, 0]), a
 * CI below 0 as "falling …", and a CI above 0 (a creep proven but under the growth floor)
 * with "(immaterial)".
 */
export function verdictSlope(leak: LeakAnalysis): string {
  const { verdict, slopeBytesPerIteration: b, slopeCi: ci } = leak;
  if (verdict !== "flat" && verdict !== "plateau") return slope(b, ci);
  const lead = verdict === "plateau" ? "late: " : "";
  if (ci[0] === 0 && ci[1] === 0) return `${lead}none (constant)`;
  if (ci[0] > 0) return `${lead}${slope(b, ci)} (immaterial)`;
  if (ci[1] < 0) return `${lead}falling ${slope(b, ci)}`;
  const { f, name } = slopeUnit(ci);
  return `${lead}within noise [${f(ci[0])}, ${f(ci[1])}] ${name}`;
}

/** Seconds as "42 s", "12 min", "3.5 h", "2.1 d". */
export function duration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 90 * 60) return `${(seconds / 60).toFixed(0)} min`;
  if (seconds < 36 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

/** Iteration counts with a thin grouping: 41200 → "41 200". */
export function count(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

/** Median of a non-empty list (copy-sorted). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
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

/** "3.12× [2.95, 3.30] faster" — the ratio, its CI and the claim. */
export function ratioWithCi(t: ThroughputComparison): string {
  if (t.claim === "no-data") return "no data";
  return `${times(t.ratio)} ${ci2(t.ratioCi)} ${t.claim}`;
}

/** "≈ 41 200 iter (12 min)" for a leak's projection, "—" otherwise. */
export function timeToOom(leak: LeakAnalysis | undefined): string {
  const p = leak?.projection;
  if (!p) return "—";
  const time = p.secondsToOom !== undefined ? ` (${duration(p.secondsToOom)})` : "";
  return `≈ ${count(p.iterationsToOom)} iter${time}`;
}

/** Largest known teardown residual (release or after exit), bytes; undefined when unmeasured. */
export function residualBytes(s: StrategyResult): number | undefined {
  const r = s.residual;
  if (!r) return undefined;
  const known = [r.afterReleaseBytes, r.afterExitDeviceBytes].filter((x): x is number => typeof x === "number");
  return known.length ? Math.max(...known) : undefined;
}

/**
 * A base-vs-head throughput claim. `within-noise` carries what could have been seen at this
 * comparison's noise (issue #12: a −44.9 % drop called within-noise said nothing of how
 * large a drop would have shown): "within-noise (detectable: −59.7 % / +21.0 %)".
 */
export function throughputClaim(t: ThroughputChange): string {
  if (t.claim !== "within-noise" || !t.detectable) return t.claim;
  return `within-noise (detectable: ${percentChange(1 - t.detectable.drop)} / ${percentChange(1 + t.detectable.rise)})`;
}

/** The sentence that explains throughputClaim's "detectable" figures. */
export const DETECTABLE_NOTE =
  "detectable: the smallest drop and gain this comparison could have called at its own noise (from the width of its 95 % interval and the tolerated change); more rounds narrow it.";
