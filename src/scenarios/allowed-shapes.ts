/**
 * How many distinct shape maps a run's sequence can feed: what bounds memory that grows
 * only at first-seen shapes (plan caches, per-shape contexts, kernels loaded on first use).
 * Pure; agrees with shapeAt (sequence.ts), bucketing included.
 */
import { DEFAULT_SAWTOOTH_PERIOD } from "./profile.js";
import { dimBucketing, shapeAt, shapeKey } from "./sequence.js";
import type { InputProfile, ScenarioRun, SequenceSpec } from "./types.js";

export interface AllowedShapes {
  /** Distinct shape maps, capped at Number.MAX_SAFE_INTEGER. */
  count: number;
  /**
   * False when `count` is a lower bound: too many calls or values to enumerate, or the
   * count passed Number.MAX_SAFE_INTEGER (results/types.ts reads it the same way).
   */
  exact: boolean;
}

/** Most calls (or breakpoints) enumerated; past it the count is a lower bound. */
const ENUMERATION_LIMIT = 1_000_000;
const CAP = Number.MAX_SAFE_INTEGER;
/** A random draw is u = h / 2^32 for a 32-bit h (uniformAt); a dim's value is lo + ⌊u·n⌋. */
const DRAW_GRID = 2 ** 32;
/** Up to 2^21 values, h·n < 2^53: the draw's ⌊h·n / 2^32⌋ is exact, so breakpoints are computed exactly. */
const EXACT_SHARED_RANGE = 2 ** 21;

type Bucketing = Pick<SequenceSpec, "multipleOf" | "buckets">;

/**
 * Values in lo..hi-1 where roundDim changes (d on the grid: every integer, the multiples,
 * or the buckets). roundDim maps lo..hi onto exactly these plus hi, so a dim takes
 * gridCount + 1 values.
 */
function gridCount(lo: number, hi: number, bucketing: Bucketing): number {
  const seq = dimBucketing(lo, hi, bucketing);
  if (seq.multipleOf !== undefined) {
    const n = seq.multipleOf;
    return Math.max(0, Math.floor((hi - 1) / n) - Math.ceil(lo / n) + 1);
  }
  if (seq.buckets !== undefined) return seq.buckets.filter((b) => b >= lo && b < hi).length;
  return hi - lo;
}

function* gridPoints(lo: number, hi: number, bucketing: Bucketing): Generator<number> {
  const seq = dimBucketing(lo, hi, bucketing);
  if (seq.multipleOf !== undefined) {
    for (let r = Math.ceil(lo / seq.multipleOf) * seq.multipleOf; r < hi; r += seq.multipleOf) yield r;
  } else if (seq.buckets !== undefined) {
    for (const b of seq.buckets) if (b >= lo && b < hi) yield b;
  } else {
    for (let r = lo; r < hi; r++) yield r;
  }
}

/** The smallest h with ⌊h·n / 2^32⌋ ≥ m, in integers (m < n ≤ 2^21 keeps every product below 2^53). */
function firstDrawReaching(m: number, n: number): number {
  const target = m * DRAW_GRID;
  let h = Math.ceil(target / n);
  while (h * n < target) h++;
  while (h > 0 && (h - 1) * n >= target) h--;
  return h;
}

/**
 * Distinct value tuples of dims that share one random draw (the same dim index in several
 * inputs). Each dim is a non-decreasing step function of the draw h, so the tuple changes
 * only where some dim steps and never comes back: the count is 1 + the number of distinct
 * h where a dim's rounded value steps. Dim j's raw value reaches lo + m at the first h with
 * ⌊h·n / 2^32⌋ ≥ m, and its rounded value steps there when lo + m − 1 is a grid point.
 */
function sharedDrawCount(ranges: Array<{ lo: number; hi: number }>, seq: Bucketing): AllowedShapes {
  const unique = [...new Map(ranges.map((r) => [`${r.lo}:${r.hi}`, r])).values()];
  // Each dim alone reaches all its values (every value owns at least one h when n ≤ 2^31).
  const widest = Math.max(...unique.map((r) => gridCount(r.lo, r.hi, seq) + 1));
  const reachable = unique.every((r) => r.hi - r.lo + 1 <= 2 ** 31);
  if (unique.length === 1) return { count: widest, exact: reachable };
  const steps = unique.reduce((sum, r) => sum + gridCount(r.lo, r.hi, seq), 0);
  if (steps > ENUMERATION_LIMIT || unique.some((r) => r.hi - r.lo + 1 > EXACT_SHARED_RANGE)) {
    return { count: widest, exact: false };
  }
  const stepsAt = new Set<number>();
  for (const { lo, hi } of unique) {
    const n = hi - lo + 1;
    for (const r of gridPoints(lo, hi, seq)) stepsAt.add(firstDrawReaching(r - lo + 1, n));
  }
  return { count: stepsAt.size + 1, exact: true };
}

/** random: independent draws per dim index, each shared by the inputs that have that dim dynamic. */
function randomCount(profile: InputProfile[], seq: Bucketing): AllowedShapes {
  const rank = Math.max(0, ...profile.map((p) => p.min.length));
  let count = 1;
  let exact = true;
  for (let i = 0; i < rank; i++) {
    const ranges = profile
      .filter((p) => i < p.min.length && p.min[i] !== p.max[i])
      .map((p) => ({ lo: p.min[i]!, hi: p.max[i]! }));
    if (ranges.length === 0) continue;
    const here = sharedDrawCount(ranges, seq);
    exact &&= here.exact;
    count *= here.count;
    if (count > CAP) return { count: CAP, exact: false };
  }
  return { count, exact };
}

/**
 * ascending and sawtooth move every dim monotonically with one fraction t, so shapes never
 * repeat within a pass: distinct shapes = 1 + changes between consecutive calls of
 * 0..calls-1. Past the enumeration limit, calls at an even stride across the pass are
 * compared instead: a subset of the calls, so the count is a lower bound.
 */
function monotoneCount(run: ScenarioRun, calls: number, total: number): AllowedShapes {
  if (calls <= 0) return { count: 0, exact: true };
  const exact = calls <= ENUMERATION_LIMIT;
  const samples = exact ? calls : ENUMERATION_LIMIT;
  let count = 1;
  let previous = shapeKey(shapeAt(run, 0, total));
  for (let i = 1; i < samples; i++) {
    const k = exact ? i : Math.round((i * (calls - 1)) / (samples - 1));
    const key = shapeKey(shapeAt(run, k, total));
    if (key !== previous) count++;
    previous = key;
  }
  return { count, exact };
}

/**
 * The number of distinct shape maps `run`'s sequence can produce:
 * - fixed, cycle: the distinct shapes listed (after bucketing);
 * - random: the space the draws cover (a run of N calls sees at most N of it): the product
 *   over dim indices of the value tuples that index's shared draw gives;
 * - ascending, sawtooth: the distinct shapes over the run's warmup + iterations calls.
 */
export function allowedShapes(run: ScenarioRun): AllowedShapes {
  const seq = run.sequence;
  const total = run.scenario.run.warmup + run.scenario.run.iterations;
  switch (seq.kind) {
    case "fixed":
    case "cycle": {
      // shapeAt's own defaults (min, opt, max) apply when the list is absent.
      const n = seq.kind === "fixed" ? 1 : (seq.shapes?.length ?? 3);
      const keys = new Set<string>();
      for (let k = 0; k < n; k++) keys.add(shapeKey(shapeAt(run, k, n)));
      return { count: keys.size, exact: true };
    }
    case "random":
      return randomCount(Object.values(run.scenario.profile), seq);
    case "ascending":
      return monotoneCount(run, total, total);
    case "sawtooth": {
      // Shapes depend on k mod period only: one pass (or the run, if shorter) has them all.
      const period = Math.max(1, seq.period ?? DEFAULT_SAWTOOTH_PERIOD);
      return monotoneCount(run, Math.min(total, period), total);
    }
  }
}
