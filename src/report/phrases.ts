/**
 * Report phrases built from results (a verdict's slope, a ratio with its claim, the
 * projection to out-of-memory, a base-vs-head claim). Numbers print through src/format.ts.
 */
import type { ThroughputChange } from "../analysis/compare.js";
import type { LeakAnalysis, ThroughputComparison } from "../results/verdicts.js";
import { ci2, formatCount, formatDuration, percentChange, slope, slopeUnit, times } from "../format.js";

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

/** "3.12× [2.95, 3.30] faster" — the ratio, its CI and the claim. */
export function ratioWithCi(t: ThroughputComparison): string {
  if (t.claim === "no-data") return "no data";
  return `${times(t.ratio)} ${ci2(t.ratioCi)} ${t.claim}`;
}

/** "≈ 41 200 iter (12 min)" for a leak's projection, "—" otherwise. */
export function timeToOom(leak: LeakAnalysis | undefined): string {
  const p = leak?.projection;
  if (!p) return "—";
  const time = p.secondsToOom !== undefined ? ` (${formatDuration(p.secondsToOom)})` : "";
  return `≈ ${formatCount(p.iterationsToOom)} iter${time}`;
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
