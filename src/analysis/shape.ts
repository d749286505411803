/**
 * Shape attribution: is growth tied to first-seen shapes (bounded by the shapes the profile
 * allows) or does it continue on shapes seen before (a leak)?
 *
 * Inputs are the whole series' verdict and the run's ShapeStats (see run/shape-tracker.ts):
 * the memory with the steps at new shapes removed (the repeat series) and the bytes each new
 * shape brought. Decision for one signal:
 * - no measured call at a new shape → the whole series decides (reason no-new-shapes);
 * - the repeat series is `leak` → `leak`, rated per repeat call (leak on top of any
 *   shape growth: what a new shape brings is not counted in the rate);
 * - the whole series grew (leak / inconclusive): `shape-growth` when new shapes brought
 *   material growth whose per-shape CI excludes 0 and repeats are proven flat or a plateau
 *   AND measurably flatter than the whole series (repeat slope CI's upper bound under half
 *   the rate a per-call leak would need) over enough repeat calls; else `inconclusive`
 *   (repeats undecided: replay decides) — calls at new shapes never let a leak verdict
 *   stand on the whole series alone;
 * - otherwise the whole series' verdict stands.
 * Reason codes and numbers only; the words are the report's (explanations are filled by
 * the caller's formatter so `analyze` and the report say the same thing).
 */
import { analyzeLeak, LEAK_DEFAULTS, type LeakAnalysisOptions } from "./leak.js";
import { bootstrapMeanCi, bootstrapMedianRatioCi } from "./stats/bootstrap.js";
import { medianOf } from "./stats/select.js";
import { quantileSorted } from "simple-statistics";
import type { LeakAnalysis, ShapeAttribution, ShapeTax } from "../results/verdicts.js";
import type { MemorySeries } from "./types.js";
import type { ShapeStats } from "../results/types.js";
import { formatBytes, formatBytesRange, formatCount } from "../format.js";
import { ShapeTracker } from "../run/shape-tracker.js";

export interface ShapeContext {
  /** Shapes the run allows. */
  allowedShapes?: { count: number; exact: boolean };
  /** Capacity of the signal's memory, bytes (device or host). */
  capacityBytes?: number;
  /** Last value of the whole series, bytes (the level the bound starts from). */
  currentBytes?: number;
  /** Seconds per call over the run, for time-to-OOM of a repeat leak. */
  secondsPerCall?: number;
  /** Growth below this is never material (default LEAK_DEFAULTS.minGrowthBytes). */
  minGrowthBytes?: number;
}

/** The repeat series of one signal, in the form analyzeLeak takes (block maxima, minima as floor). */
function repeatSeries(stats: ShapeStats, signal: string): MemorySeries | undefined {
  const sig = stats.repeatSeries.signals[signal];
  if (!sig) return undefined;
  const n = Math.min(sig.max.length, stats.repeatSeries.lastIteration.length);
  return {
    iteration: stats.repeatSeries.lastIteration.slice(0, n),
    value: sig.max.slice(0, n),
    min: sig.min.slice(0, n),
  };
}

/** Repeats count as flat only when their slope CI's upper bound is under this share of the whole slope. */
const REPEAT_SLOPE_SHARE = 0.5;

function materialFloor(level: number, minGrowthBytes: number = LEAK_DEFAULTS.minGrowthBytes): number {
  return Math.max(minGrowthBytes, LEAK_DEFAULTS.minGrowthFraction * Math.abs(level));
}

/** Attribute one signal's growth; returns the final verdict's analysis and the attribution. */
export function attributeShapes(
  whole: LeakAnalysis,
  stats: ShapeStats,
  signal: string,
  ctx: ShapeContext = {},
): { leak: LeakAnalysis; attribution: ShapeAttribution } {
  const events = stats.events.bytes[signal] ?? [];
  const newShapeBytes = stats.eventBytesTotal[signal] ?? 0;
  const per =
    events.length > 0 ? bootstrapMeanCi(events, { resamples: 2000 }) : { estimate: 0, ci: [0, 0] as [number, number] };
  const attribution: ShapeAttribution = {
    reason: "whole-series",
    wholeVerdict: whole.verdict,
    distinctShapes: stats.distinctShapes,
    newShapeCalls: stats.newShapeCalls,
    repeatCalls: stats.repeatCalls,
    newShapeBytes,
    bytesPerNewShape: per.estimate,
    bytesPerNewShapeCi: [per.ci[0], per.ci[1]],
  };
  if (ctx.allowedShapes) attribution.allowedShapes = ctx.allowedShapes;
  attribution.bound = shapeBound(attribution, ctx);

  if (stats.newShapeCalls === 0) {
    attribution.reason = "no-new-shapes";
    return { leak: whole, attribution };
  }
  const rs = repeatSeries(stats, signal);
  const repeatOpts: LeakAnalysisOptions = {};
  if (ctx.capacityBytes !== undefined) repeatOpts.totalBytes = ctx.capacityBytes;
  if (ctx.minGrowthBytes !== undefined) repeatOpts.minGrowthBytes = ctx.minGrowthBytes;
  const repeat = rs && rs.value.length > 0 ? analyzeLeak(rs, repeatOpts) : undefined;
  if (repeat) attribution.repeat = repeat;

  if (repeat?.verdict === "leak") {
    attribution.reason = "repeat-growth";
    return { leak: repeatLeak(repeat, attribution, ctx), attribution };
  }
  const level = ctx.currentBytes ?? 0;
  const shapesMaterial =
    newShapeBytes >= materialFloor(level, ctx.minGrowthBytes) && attribution.bytesPerNewShapeCi[0] > 0;
  // Repeats must be proven flatter than the growth itself: their slope CI's upper bound
  // under half the rate a per-call leak would need to explain the growth (the whole slope,
  // or the new-shape bytes spread over every call), else a leak spread over all calls (with
  // few repeat calls to see it) could pass for growth per shape. And there must be enough
  // repeat calls for such a leak to have shown: 4 × the material floor over them (an
  // allocator staircase hides a few calls' worth, and Theil–Sen on a flat staircase has a
  // zero-width CI).
  const calls = Math.max(1, stats.newShapeCalls + stats.repeatCalls);
  const half = REPEAT_SLOPE_SHARE * Math.max(0, whole.slopeBytesPerIteration, newShapeBytes / calls);
  const enoughRepeats = half * stats.repeatCalls >= 4 * materialFloor(level, ctx.minGrowthBytes);
  const repeatsFlat =
    (repeat?.verdict === "flat" || repeat?.verdict === "plateau") && repeat.slopeCi[1] < half && enoughRepeats;
  if (whole.verdict === "leak" || whole.verdict === "inconclusive") {
    // The whole series grew while calls met new shapes, and repeats do not show a leak.
    // Shape growth when repeats are proven flat and new shapes brought the growth; else
    // the two hypotheses are not separated yet (too few repeat calls, or growth per shape
    // lost in noise): inconclusive, never a leak — replay of seen shapes decides.
    const proven = repeatsFlat && shapesMaterial;
    attribution.reason = proven ? "new-shapes-only" : "repeats-undecided";
    const needed = half > 0 ? Math.ceil((4 * materialFloor(level, ctx.minGrowthBytes)) / half) - stats.repeatCalls : 0;
    return { leak: shapeVerdict(whole, attribution, proven, repeat, needed), attribution };
  }
  // A plateau whose rise came with new shapes has not really stopped while allowed shapes
  // remain unseen: the next new shape brings more (a replay phase flattens the end of any
  // shape-driven series, so the whole series alone would call it a plateau).
  const unseen = !attribution.allowedShapes || attribution.allowedShapes.count > stats.distinctShapes;
  if (
    whole.verdict === "plateau" &&
    shapesMaterial &&
    repeatsFlat &&
    unseen &&
    newShapeBytes >= 0.5 * whole.growthBytes
  ) {
    attribution.reason = "new-shapes-only";
    return { leak: shapeVerdict(whole, attribution, true, repeat), attribution };
  }
  return { leak: whole, attribution };
}

function repeatLeak(repeat: LeakAnalysis, a: ShapeAttribution, ctx: ShapeContext): LeakAnalysis {
  const out: LeakAnalysis = { ...repeat, slopeCi: [repeat.slopeCi[0], repeat.slopeCi[1]] };
  delete out.onsetIteration; // an ordinal of repeat calls, not an iteration
  if (out.projection && ctx.secondsPerCall) {
    out.projection = {
      ...out.projection,
      secondsToOom: out.projection.iterationsToOom * ctx.secondsPerCall,
      pessimisticSecondsToOom: out.projection.pessimisticIterationsToOom * ctx.secondsPerCall,
    };
    out.slopeBytesPerSecond = out.slopeBytesPerIteration / ctx.secondsPerCall;
  }
  const shapes =
    a.newShapeCalls > 0 && a.bytesPerNewShape > 0
      ? `; new shapes add ${formatBytes(a.bytesPerNewShape)} each on top`
      : "";
  out.explanation = `leaks ${formatBytes(repeat.slopeBytesPerIteration)}/call on shapes already seen (95 % CI ${formatBytesRange(repeat.slopeCi[0], repeat.slopeCi[1])}/call, ${formatCount(a.repeatCalls)} repeat calls)${shapes}`;
  return out;
}

function shapeVerdict(
  whole: LeakAnalysis,
  a: ShapeAttribution,
  repeatsFlat: boolean,
  repeat: LeakAnalysis | undefined,
  repeatsNeeded = 0,
): LeakAnalysis {
  const perShape = `${formatBytes(a.bytesPerNewShape)} per new shape (95 % CI ${formatBytesRange(a.bytesPerNewShapeCi[0], a.bytesPerNewShapeCi[1])})`;
  const allowed = a.allowedShapes
    ? ` of ${a.allowedShapes.exact ? "" : "at least "}${formatCount(a.allowedShapes.count)} allowed`
    : "";
  const seen = `${formatCount(a.distinctShapes)}${allowed} shapes seen`;
  const out: LeakAnalysis = {
    verdict: repeatsFlat ? "shape-growth" : "inconclusive",
    slopeBytesPerIteration: whole.slopeBytesPerIteration,
    slopeCi: [whole.slopeCi[0], whole.slopeCi[1]],
    pValue: whole.pValue,
    growthBytes: whole.growthBytes,
    points: whole.points,
    explanation: "",
  };
  if (whole.slopeBytesPerSecond !== undefined) out.slopeBytesPerSecond = whole.slopeBytesPerSecond;
  if (repeatsFlat) {
    const b = a.bound;
    const bound = !b
      ? ""
      : b.fits
        ? `; bounded at ~${formatBytes(b.projectedBytes)} (CI up to ${formatBytes(b.projectedCi[1])}) if every allowed shape is seen, fits`
        : `; would run out of memory after ~${formatCount(b.shapesToOom ?? 0)} more new shapes`;
    out.explanation = `shape-growth: grows ${perShape}, ${repeat?.verdict === "plateau" ? "settles" : "flat"} on repeated shapes; ${seen}${bound}`;
  } else {
    const more = Math.max(50, repeat?.moreIterationsNeeded ?? 0, repeatsNeeded);
    out.moreIterationsNeeded = more;
    out.explanation = `inconclusive: grows ${perShape}, but growth on repeated shapes is not ruled out (${formatCount(a.repeatCalls)} repeat calls: ${repeat?.verdict ?? "none"}); ~${formatCount(more)} replay calls would decide`;
  }
  return out;
}

/** Projected memory if every allowed shape is seen, against the capacity. */
function shapeBound(a: ShapeAttribution, ctx: ShapeContext): ShapeAttribution["bound"] {
  if (!a.allowedShapes || ctx.capacityBytes === undefined || ctx.currentBytes === undefined) return undefined;
  const remaining = Math.max(0, a.allowedShapes.count - a.distinctShapes);
  const per = Math.max(0, a.bytesPerNewShape);
  const [lo, hi] = [Math.max(0, a.bytesPerNewShapeCi[0]), Math.max(0, a.bytesPerNewShapeCi[1])];
  const free = Math.max(0, ctx.capacityBytes - ctx.currentBytes);
  const bound: NonNullable<ShapeAttribution["bound"]> = {
    remainingShapes: remaining,
    projectedBytes: ctx.currentBytes + remaining * per,
    projectedCi: [ctx.currentBytes + remaining * lo, ctx.currentBytes + remaining * hi],
    capacityBytes: ctx.capacityBytes,
    fits: remaining * hi <= free,
  };
  if (per > 0) bound.shapesToOom = free / per;
  return bound;
}

function pct(sorted: number[], p: number): number {
  return quantileSorted(sorted, p);
}

/** The dynamic-shape tax of one strategy, from its ShapeStats and its primary attribution. */
export function shapeTax(stats: ShapeStats, primary: ShapeAttribution | undefined): ShapeTax {
  const tax: ShapeTax = { newShapeCalls: stats.newShapeCalls, repeatCalls: stats.repeatCalls };
  const summary = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y);
    return { p50: pct(s, 0.5), p99: pct(s, 0.99), samples: s.length };
  };
  const { newShape, repeat } = stats.latencyMs;
  if (newShape.length > 0) tax.newShapeLatencyMs = summary(newShape);
  if (repeat.length > 0) tax.repeatLatencyMs = summary(repeat);
  if (newShape.length >= 2 && repeat.length >= 2 && medianOf(repeat) > 0) {
    const r = bootstrapMedianRatioCi(newShape, repeat, { resamples: 1000 });
    tax.latencyRatio = r.estimate;
    tax.latencyRatioCi = r.ci;
  }
  if (primary && stats.newShapeCalls > 0) {
    tax.bytesPerNewShape = primary.bytesPerNewShape;
    tax.bytesPerNewShapeCi = primary.bytesPerNewShapeCi;
  }
  return tax;
}

/** A trace read from a file (CSV) with a shape per row, as the tracker's input. */
export interface ShapedTrace {
  iteration: ArrayLike<number>;
  value: ArrayLike<number>;
  timeMs?: ArrayLike<number>;
  shapeIds: ArrayLike<number>;
  shapeNames: readonly string[];
  latencyMs?: ArrayLike<number>;
}

/**
 * ShapeStats of a trace recorded anywhere, the same way a run builds them: rows with
 * iteration below `warmupIterations` only make their shapes seen.
 */
export function shapeStatsOfTrace(trace: ShapedTrace, signal: string, warmupIterations = -Infinity): ShapeStats {
  const tracker = new ShapeTracker();
  const n = Math.min(trace.iteration.length, trace.value.length, trace.shapeIds.length);
  for (let i = 0; i < n; i++) {
    const shape = trace.shapeNames[trace.shapeIds[i] as number] ?? "";
    const v = { [signal]: trace.value[i] as number };
    const it = trace.iteration[i] as number;
    if (it < warmupIterations) tracker.warmup(shape, v);
    else
      tracker.measured(
        it,
        (trace.timeMs?.[i] as number | undefined) ?? 0,
        shape,
        (trace.latencyMs?.[i] as number | undefined) ?? Number.NaN,
        v,
      );
  }
  return tracker.toJSON();
}

/**
 * The replay test of a leak verdict: calls after `fromIteration` fed only shapes already
 * seen, and a leak keeps growing there. When the replay segment's slope CI stays under half
 * the leak's rate (growth stopped once no new shape arrived: allocator or library warm-up,
 * a heap settling), the leak is not confirmed: `inconclusive`, saying so. Other verdicts,
 * and replay segments too short to judge (fewer than `minPoints`), pass unchanged.
 */
export function replayCheck(
  leak: LeakAnalysis,
  series: MemorySeries,
  fromIteration: number,
  minPoints = 12,
  opts: LeakAnalysisOptions = {},
): LeakAnalysis {
  if (leak.verdict !== "leak" || !(leak.slopeBytesPerIteration > 0)) return leak;
  const n = Math.min(series.iteration.length, series.value.length);
  let start = 0;
  while (start < n && (series.iteration[start] as number) < fromIteration) start++;
  if (n - start < minPoints) return leak;
  const slice = (a: ArrayLike<number> | undefined) =>
    a ? Array.from({ length: n - start }, (_, i) => a[start + i] as number) : undefined;
  const seg: MemorySeries = { iteration: slice(series.iteration)!, value: slice(series.value)! };
  const min = slice(series.min);
  if (min) seg.min = min;
  // Judge the whole replay segment (no warm-up cut inside it).
  const replay = analyzeLeak(seg, { ...opts, warmupIterations: fromIteration });
  if (!(replay.slopeCi[1] < REPEAT_SLOPE_SHARE * leak.slopeBytesPerIteration)) return leak;
  return {
    ...leak,
    verdict: "inconclusive",
    moreIterationsNeeded: Math.max(50, n - start),
    explanation: `inconclusive: grew ${formatBytes(leak.slopeBytesPerIteration)}/call before, but not while replaying seen shapes (${formatCount(n - start)} points from iteration ${formatCount(fromIteration)}: ${formatBytes(replay.slopeBytesPerIteration)}/call, 95 % CI ${formatBytesRange(replay.slopeCi[0], replay.slopeCi[1])}); not a leak on this evidence`,
  };
}
