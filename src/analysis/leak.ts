/**
 * Leak verdict for one memory series: leak / plateau / flat / inconclusive.
 *
 * Method (everything after step 1 runs on ≤ maxBlocks points: cost O(n) + a constant):
 * 1. Drop warm-up; block-reduce to ≤ maxBlocks blocks of (min, max). Judge the block
 *    maxima (high-water mark): allocators grow in steps and the peak is what runs out.
 * 2. At the block scale and at coarser ones (maxima of 4 and 16 blocks, so a sawtooth or a
 *    slow staircase shows its trend at some scale), on the late segment (last half, or
 *    from a late onset found by a hinge fit): Mann–Kendall with tie correction and a
 *    Hamed–Rao / AR(1) variance inflation for autocorrelation, and the Theil–Sen slope with
 *    Sen's CI built from that inflated variance.
 * 3. `leak` at a scale needs ALL of: slope CI > 0 and p < alpha; the block minima's own
 *    trend significant and ≥ ¼ of the maxima's (what leaks is never freed; a sawtooth or a
 *    GC heap lifts only its peaks); growth slope × window ≥ max(1 MiB, 0.1 % of the level,
 *    4 × the noise around the trend); still rising at the end (the robust high-water mark
 *    rises in the last 20 % by ≥ 30 % of what the slope predicts, the tail's slope CI
 *    reaches half the late slope, and a rise-then-flat fit does not show a long flat part
 *    whose slope CI stays below half the rise's). Mann–Kendall alone is never enough.
 *    The verdict is `leak` when at least two scales pass (all, when fewer are evaluated).
 * 4. Otherwise: growth that passes at one scale only, or looks ongoing at every scale but is
 *    unproven, or whose late growth is proven material (the slope CI's lower bound over
 *    the late segment reaches the growth floor) → `inconclusive`
 *    (with iterations needed, from CI width ∝ N^-1.5); a material rise between the first
 *    and last fifth → `plateau` (with where it stopped); else `flat`.
 */
import { blockReduce } from "./stats/block-reduce.js";
import { hingeFit } from "./stats/changepoint.js";
import { mannKendall } from "./stats/mann-kendall.js";
import { lowerBound, medianOf } from "./stats/select.js";
import { theilSen } from "./stats/theil-sen.js";
import { formatBytes, formatBytesRange, formatCount, formatDuration } from "../format.js";
import type { LeakAnalysis, LeakVerdict } from "../results/verdicts.js";
import type { LeakOptions, MemorySeries } from "./types.js";

/** Tuning beyond the contract's LeakOptions; defaults in LEAK_DEFAULTS. */
export interface LeakAnalysisOptions extends LeakOptions {
  /** Blocks the window is reduced to (default 1000). */
  maxBlocks?: number;
  /** Growth over the window below this is never a leak, bytes (default 1 MiB). */
  minGrowthBytes?: number;
  /** …nor below this fraction of the median level (default 0.001 = 0.1 %). */
  minGrowthFraction?: number;
  /** Test level (default 0.05; the slope CI is 1 − alpha). */
  alpha?: number;
  /** Fewest points in the judged window for any verdict but inconclusive (default 12). */
  minPoints?: number;
}

export const LEAK_DEFAULTS = {
  maxBlocks: 1000,
  minGrowthBytes: 1024 * 1024,
  minGrowthFraction: 0.001,
  alpha: 0.05,
  minPoints: 12,
  /** Share of the window (by blocks) the leak test looks at. */
  lateFraction: 0.5,
  /** Share of the window (by blocks) in which the high-water mark must still rise. */
  tailFraction: 0.2,
  /** Tail rise must be at least this share of slope × tail length. */
  tailRiseShare: 0.3,
  /** The tail's slope CI upper bound must reach this share of the late slope. */
  tailSlopeShare: 0.5,
  /** Growth over the window must exceed this many noise scales (robust σ around the trend). */
  noiseMultiple: 4,
  /** Block minima's slope must be at least this share of the maxima's. */
  floorSlopeShare: 0.25,
} as const;

/** A block-reduced view at one scale. */
interface Blocks {
  iteration: Float64Array;
  firstIteration: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

/** Groups of g consecutive blocks: max of maxima, min of minima. */
function regroup(b: Blocks, g: number): Blocks {
  const m = Math.ceil(b.max.length / g);
  const out: Blocks = {
    iteration: new Float64Array(m),
    firstIteration: new Float64Array(m),
    min: new Float64Array(m),
    max: new Float64Array(m),
  };
  for (let k = 0; k < m; k++) {
    const a = k * g;
    const e = Math.min(b.max.length, a + g);
    let lo = Infinity,
      hi = -Infinity,
      xs = 0;
    for (let i = a; i < e; i++) {
      lo = Math.min(lo, b.min[i] as number);
      hi = Math.max(hi, b.max[i] as number);
      xs += b.iteration[i] as number;
    }
    out.iteration[k] = xs / (e - a);
    out.firstIteration[k] = b.firstIteration[a] as number;
    out.min[k] = lo;
    out.max[k] = hi;
  }
  return out;
}

interface ScaleEvidence {
  x: Float64Array;
  firstIteration: Float64Array;
  hwm: Float64Array;
  /** Rolling median of the block maxima (lone spikes removed). */
  smooth: Float64Array;
  /** Running max of `smooth`: the robust high-water mark so far. */
  running: Float64Array;
  late: ReturnType<typeof segmentTrend>;
  slope: number;
  onsetFit: ReturnType<typeof hingeFit>;
  onsetHelps: boolean;
  lateStart: number;
  minLate: number;
  significant: boolean;
  material: boolean;
  stillRising: boolean;
  floorRising: boolean;
}

/** The leak criteria evaluated on one scale. */
function scaleEvidence(
  b: Blocks,
  windowIters: number,
  floorBytes: number,
  alpha: number,
  minPoints: number,
): ScaleEvidence {
  const m = b.max.length;
  const x = b.iteration;
  const hwm = b.max;
  const smooth = rollingMedian(hwm, m >= 25 ? 5 : m >= 9 ? 3 : 1);
  const running = new Float64Array(m);
  let peak = -Infinity;
  for (let k = 0; k < m; k++) running[k] = peak = Math.max(peak, smooth[k] as number);

  // Late segment: last half, or from a late onset.
  const onsetFit = hingeFit(x, hwm, "onset");
  let lateStart = Math.floor(m * (1 - LEAK_DEFAULTS.lateFraction));
  const minLate = Math.max(minPoints, Math.ceil(0.1 * m));
  const onsetHelps = onsetFit.sse < 0.8 * onsetFit.lineSse;
  if (onsetHelps && onsetFit.index > lateStart && m - onsetFit.index >= minLate) lateStart = onsetFit.index;
  const lateX = x.subarray(lateStart);
  const late = segmentTrend(lateX, hwm.subarray(lateStart), alpha);
  const slope = late.ts.slope;

  // Still rising at the very end?
  const tailStart = Math.max(1, Math.min(m - 2, Math.floor(m * (1 - LEAK_DEFAULTS.tailFraction))));
  const tailRise = (running[m - 1] as number) - (running[tailStart - 1] as number);
  const tailIters = (x[m - 1] as number) - (x[tailStart - 1] as number);
  const stillRising = slope > 0 && tailRise >= LEAK_DEFAULTS.tailRiseShare * slope * tailIters;
  // …and is the tail's own slope still compatible with the late slope? (A plateau's flat
  // tail has a slope interval well below it, however noisy the running max is.)
  const tail = tailStart < m - 3 ? segmentTrend(x.subarray(tailStart), hwm.subarray(tailStart), alpha) : undefined;
  const tailConsistent = !tail || tail.ts.ci[1] >= LEAK_DEFAULTS.tailSlopeShare * slope;
  // Did growth stop? Fit rise-then-flat; when the flat part is long enough, its own slope
  // interval must still reach half the rise's slope (a plateau ending late in a short,
  // noisy run fools the late-half slope, not this).
  const stop = hingeFit(x, hwm, "plateau");
  let stopped = false;
  if (
    stop.slope > 0 &&
    stop.index >= Math.max(minPoints, Math.ceil(0.1 * m)) &&
    m - stop.index >= Math.max(minPoints, Math.ceil(0.2 * m))
  ) {
    const rise = theilSen(x.subarray(0, stop.index), hwm.subarray(0, stop.index), { alpha }).slope;
    const post = segmentTrend(x.subarray(stop.index), hwm.subarray(stop.index), alpha);
    stopped = rise > 0 && post.ts.ci[1] < LEAK_DEFAULTS.tailSlopeShare * rise;
  }
  // A sawtooth's floor stays put; a leak lifts the floor as well as the peaks.
  const floor = segmentTrend(lateX, b.min.subarray(lateStart), alpha);
  const floorRising = floor.ts.slope >= LEAK_DEFAULTS.floorSlopeShare * slope;
  // What a leak retains is never freed, so the floor's own rise must be significant too
  // (a garbage-collected heap that is still sizing itself lifts its peaks, not its floor).
  const floorSignificant = floor.ts.ci[0] > 0;
  // Noise scale: robust spread of the late segment around its Sen line.
  const resid = new Float64Array(lateX.length);
  for (let i = 0; i < lateX.length; i++)
    resid[i] = (hwm[lateStart + i] as number) - late.ts.intercept - slope * (lateX[i] as number);
  const center = medianOf(resid);
  for (let i = 0; i < resid.length; i++) resid[i] = Math.abs((resid[i] as number) - center);
  const noiseBytes = 1.4826 * medianOf(resid);
  return {
    x,
    firstIteration: b.firstIteration,
    hwm,
    smooth,
    running,
    late,
    slope,
    onsetFit,
    onsetHelps,
    lateStart,
    minLate,
    significant: late.ts.ci[0] > 0 && late.mk.pValue < alpha && late.mk.s > 0 && floorSignificant,
    material: slope * windowIters >= Math.max(floorBytes, LEAK_DEFAULTS.noiseMultiple * noiseBytes),
    stillRising: stillRising && tailConsistent && !stopped,
    floorRising,
  };
}

/**
 * The series without points whose iteration, value or time is not a finite number (a
 * results file writes null where a signal had no sample). No copy when all are finite.
 */
function finitePoints(series: MemorySeries): MemorySeries {
  const { iteration, value, timeMs, min } = series;
  const n = Math.min(iteration.length, value.length);
  const ok = (i: number) =>
    Number.isFinite(iteration[i]) && Number.isFinite(value[i]) && (timeMs === undefined || Number.isFinite(timeMs[i]));
  let bad = 0;
  for (let i = 0; i < n; i++) if (!ok(i)) bad++;
  // A missing floor falls back to the point's value.
  const floorAt = (i: number) => (min && Number.isFinite(min[i]) ? (min[i] as number) : (value[i] as number));
  let floorGaps = false;
  if (min) for (let i = 0; i < n && !floorGaps; i++) floorGaps = !Number.isFinite(min[i]);
  if (bad === 0 && !floorGaps) return series;
  const it = new Float64Array(n - bad);
  const val = new Float64Array(n - bad);
  const tm = timeMs ? new Float64Array(n - bad) : undefined;
  const fl = min ? new Float64Array(n - bad) : undefined;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (!ok(i)) continue;
    it[k] = iteration[i] as number;
    val[k] = value[i] as number;
    if (tm && timeMs) tm[k] = timeMs[i] as number;
    if (fl) fl[k] = floorAt(i);
    k++;
  }
  const out: MemorySeries = { iteration: it, value: val };
  if (tm) out.timeMs = tm;
  if (fl) out.min = fl;
  return out;
}

/** Running median of width w (odd), shrinking at the ends; damps single-block spikes. */
function rollingMedian(y: Float64Array, w: number): Float64Array {
  if (w <= 1) return y.slice();
  const h = w >> 1;
  const out = new Float64Array(y.length);
  const buf: number[] = [];
  for (let i = 0; i < y.length; i++) {
    buf.length = 0;
    for (let j = Math.max(0, i - h); j <= Math.min(y.length - 1, i + h); j++) buf.push(y[j] as number);
    buf.sort((a, b) => a - b);
    out[i] = buf[buf.length >> 1] as number;
  }
  return out;
}

/** Trend of y on x over a segment: Theil–Sen with a CI widened for autocorrelation, and its MK p-value. */
function segmentTrend(x: Float64Array, y: Float64Array, alpha: number) {
  // Detrended by the least-squares slope on x before the autocorrelation estimate (mannKendall's default).
  const mk = mannKendall(y, { x });
  const ts = theilSen(x, y, { alpha, varS: mk.varSCorrected });
  return { mk, ts };
}

function inconclusive(points: number, needed: number, why: string): LeakAnalysis {
  return {
    verdict: "inconclusive",
    slopeBytesPerIteration: 0,
    slopeCi: [-Infinity, Infinity],
    pValue: 1,
    growthBytes: 0,
    points,
    moreIterationsNeeded: Math.max(1, Math.ceil(needed)),
    explanation: why,
  };
}

/** Judge one memory series. Points must be in iteration order. */
export function analyzeLeak(series: MemorySeries, opts: LeakAnalysisOptions = {}): LeakAnalysis {
  const maxBlocks = opts.maxBlocks ?? LEAK_DEFAULTS.maxBlocks;
  const minGrowthBytes = opts.minGrowthBytes ?? LEAK_DEFAULTS.minGrowthBytes;
  const minGrowthFraction = opts.minGrowthFraction ?? LEAK_DEFAULTS.minGrowthFraction;
  const alpha = opts.alpha ?? LEAK_DEFAULTS.alpha;
  const minPoints = opts.minPoints ?? LEAK_DEFAULTS.minPoints;
  const pts = finitePoints(series);
  const { iteration, value, timeMs } = pts;
  const n = Math.min(iteration.length, value.length);
  if (n === 0) return inconclusive(0, minPoints, `no points to judge; record at least ${minPoints} iterations`);

  const first = iteration[0] as number;
  const last = iteration[n - 1] as number;
  const warmup = opts.warmupIterations ?? first + 0.1 * (last - first);
  const start = Math.min(n, lowerBound(iteration, warmup));
  const windowPoints = n - start;
  if (windowPoints < minPoints) {
    const perPoint = n > 1 ? (last - first) / (n - 1) : 1;
    return inconclusive(
      windowPoints,
      (minPoints - windowPoints) * perPoint,
      `only ${windowPoints} points after warm-up (iteration ${formatCount(warmup)}); need at least ${minPoints}`,
    );
  }

  const red = blockReduce(iteration, value, maxBlocks, timeMs, start, n, pts.min);
  const m = red.max.length;
  const windowStart = red.firstIteration[0] as number;
  const windowEnd = red.lastIteration[m - 1] as number;
  const windowIters = Math.max(1, windowEnd - windowStart);
  const level = medianOf(red.mean);
  const floorBytes = Math.max(minGrowthBytes, minGrowthFraction * Math.abs(level));

  // Judge at the block scale and at coarser ones (maxima of 4, 16 blocks): a sawtooth or
  // slow staircase that hides a trend at one scale shows it at a coarser one.
  const scales: ScaleEvidence[] = [];
  for (const g of [1, 4, 16]) {
    if (g > 1 && m / g < 4 * minPoints) break;
    scales.push(scaleEvidence(g === 1 ? red : regroup(red, g), windowIters, floorBytes, alpha, minPoints));
  }
  const fine = scales[0] as ScaleEvidence;
  const passing = scales.filter((e) => e.significant && e.material && e.stillRising && e.floorRising);
  const leakScale = passing.length >= Math.min(2, scales.length) ? passing[0] : undefined;
  const growing = scales.every((e) => e.material && e.slope > 0 && e.floorRising && e.stillRising);
  const { x, hwm, smooth, running, late, slope, onsetFit, onsetHelps, lateStart, minLate } = leakScale ?? fine;
  const mm = x.length;

  const edge = Math.max(1, Math.round(0.05 * mm));
  const growthBytes = medianOf(smooth.subarray(mm - edge)) - medianOf(smooth.subarray(0, edge));
  const fifth = Math.max(1, Math.round(0.2 * mm));
  const rise = medianOf(smooth.subarray(mm - fifth)) - medianOf(smooth.subarray(0, fifth));

  const secPerIter =
    timeMs && n - start > 1 && last > (iteration[start] as number)
      ? ((timeMs[n - 1] as number) - (timeMs[start] as number)) / 1000 / (last - (iteration[start] as number))
      : undefined;
  const perSecond = (bytesPerIter: number) => (secPerIter && secPerIter > 0 ? bytesPerIter / secPerIter : undefined);

  // Not a plateau while the late segment's growth is proven material: even its slope CI's
  // lower bound, over that segment, adds up to at least the growth floor.
  const lateIters = (fine.x[fine.x.length - 1] as number) - (fine.x[fine.lateStart] as number);
  const lateGrowth = fine.late.ts.ci[0] * lateIters >= floorBytes;
  let verdict: LeakVerdict;
  if (leakScale) verdict = "leak";
  else if (growing || passing.length > 0 || lateGrowth) verdict = "inconclusive";
  else if (rise >= floorBytes) verdict = "plateau";
  else verdict = "flat";
  // The automatic warm-up cut (first 10 %) is not judged, but growth inside it is not to be
  // thrown away in silence: a trace that starts materially below the level it then holds
  // flat grew and stopped, which is a plateau, not "flat" (`--warmup 0` shows the same).
  // Only flat verdicts change, so leak detection and the false-leak rate cannot.
  const cutRise =
    verdict === "flat" && opts.warmupIterations === undefined && start > 0
      ? riseInWarmup(iteration, value, start, n, floorBytes)
      : undefined;
  if (cutRise) verdict = "plateau";

  const ciText = (lo: number, hi: number) => `${Math.round(100 * (1 - alpha))} % CI ${formatBytesRange(lo, hi)}/iter`;
  const base = {
    pValue: late.mk.pValue,
    growthBytes,
    points: mm,
  };

  if (verdict === "leak") {
    // Report the rate from where growth began: a clear onset, else the window start.
    const onsetIdx = onsetHelps && mm - onsetFit.index >= minLate ? onsetFit.index : 0;
    const fromOnset = onsetIdx === lateStart ? late : segmentTrend(x.subarray(onsetIdx), hwm.subarray(onsetIdx), alpha);
    // Keep the decision's guarantee: the reported interval still excludes 0.
    const use = fromOnset.ts.ci[0] > 0 ? fromOnset : late;
    const s = use.ts.slope;
    const ci: [number, number] = [use.ts.ci[0], use.ts.ci[1]];
    const onsetIteration = onsetIdx === 0 ? windowStart : ((leakScale ?? fine).firstIteration[onsetIdx] as number);
    const result: LeakAnalysis = {
      verdict,
      slopeBytesPerIteration: s,
      slopeCi: ci,
      ...base,
      pValue: use.mk.pValue,
      onsetIteration,
      explanation: "",
    };
    const ps = perSecond(s);
    if (ps !== undefined) result.slopeBytesPerSecond = ps;
    let oomText = "";
    if (opts.totalBytes !== undefined || opts.freeBytes !== undefined) {
      const lastValue = value[n - 1] as number;
      const free = Math.max(0, opts.freeBytes ?? (opts.totalBytes as number) - lastValue);
      const proj: NonNullable<LeakAnalysis["projection"]> = {
        iterationsToOom: free / s,
        pessimisticIterationsToOom: free / ci[1],
      };
      if (secPerIter) {
        proj.secondsToOom = proj.iterationsToOom * secPerIter;
        proj.pessimisticSecondsToOom = proj.pessimisticIterationsToOom * secPerIter;
      }
      result.projection = proj;
      oomText = `; out of memory in ~${formatCount(proj.iterationsToOom)} iterations${
        proj.secondsToOom !== undefined ? ` (~${formatDuration(proj.secondsToOom)})` : ""
      } at this rate (${formatCount(proj.pessimisticIterationsToOom)} at the CI's upper bound)`;
    }
    result.explanation = `leaks ${formatBytes(s)}/iter (${ciText(ci[0], ci[1])}) since iteration ${formatCount(onsetIteration)}${oomText}`;
    return result;
  }

  const common: LeakAnalysis = {
    verdict,
    slopeBytesPerIteration: slope,
    slopeCi: [late.ts.ci[0], late.ts.ci[1]],
    ...base,
    explanation: "",
  };
  const ps = perSecond(slope);
  if (ps !== undefined) common.slopeBytesPerSecond = ps;

  if (verdict === "plateau" && cutRise) {
    common.plateauIteration = cutRise.reachedIteration;
    common.growthBytes = cutRise.bytes;
    common.explanation =
      `plateau: grew ${formatBytes(cutRise.bytes)} during the automatic warm-up (the first 10 %, before iteration ${formatCount(warmup)}), ` +
      `reaching its level by iteration ${formatCount(cutRise.reachedIteration)}, then stayed flat (${trendText(slope, late.ts.ci, ciText)}); set the warm-up (--warmup) to judge it otherwise`;
    return common;
  }
  if (verdict === "plateau") {
    const fit = hingeFit(x, hwm, "plateau");
    // Where the high-water mark first came within the floor of its final level, if earlier.
    const target = (running[mm - 1] as number) - floorBytes;
    let reach = 0;
    while (reach < mm - 1 && (running[reach] as number) < target) reach++;
    const idx = Math.min(fit.index, reach);
    common.plateauIteration = fine.firstIteration[idx] as number;
    // A late CI above 0 here is growth too small to be material over the late segment.
    const creep =
      late.ts.ci[0] > 0
        ? `; proven late growth ${formatBytes(late.ts.ci[0] * lateIters)}, under the ${formatBytes(floorBytes)} floor`
        : "";
    // "Grew" is the whole climb, from the lowest robust level of the first fifth (the
    // difference of fifths' medians counts only part of a climb inside the first fifth).
    const grew = Math.max(rise, medianOf(smooth.subarray(mm - fifth)) - minOf(smooth.subarray(0, fifth)));
    common.explanation = `plateau: grew ${formatBytes(grew)} then stopped by iteration ${formatCount(common.plateauIteration)}; late slope ${formatBytes(slope)}/iter (${ciText(late.ts.ci[0], late.ts.ci[1])})${creep}`;
    return common;
  }
  if (verdict === "inconclusive") {
    const half = (late.ts.ci[1] - late.ts.ci[0]) / 2;
    // A slope CI narrows roughly as N^-1.5: iterations at which it would exclude 0.
    const ratio = Number.isFinite(half) && slope > 0 ? half / slope : 4;
    const needed = windowIters * (Math.max(1, ratio) ** (2 / 3) - 1);
    common.moreIterationsNeeded = Math.max(Math.ceil(0.5 * windowIters), Math.ceil(needed));
    const why =
      passing.length > 0
        ? "but only at one time scale"
        : lateGrowth
          ? "but not at every time scale"
          : "but not significantly";
    common.explanation = `inconclusive: grows ${formatBytes(slope)}/iter (${ciText(late.ts.ci[0], late.ts.ci[1])}, p = ${late.mk.pValue.toPrecision(2)}) ${why}; ~${formatCount(common.moreIterationsNeeded)} more iterations would likely decide`;
    return common;
  }
  // The figures must read as "no material growth": the slope only as what the noise allows
  // (or a fall, or a creep too small to matter), and the change the verdict was decided on
  // (first fifth to last fifth), which is under the floor by construction.
  const change =
    rise > 0
      ? `rose ${formatBytes(rise)} from the first to the last fifth, under the ${formatBytes(floorBytes)} floor`
      : `${rise < 0 ? `fell ${formatBytes(-rise)}` : "no change"} from the first to the last fifth`;
  common.explanation = `flat: no material growth after warm-up (${trendText(slope, late.ts.ci, ciText)}; ${change})`;
  return common;
}

/** A non-leak's slope in words that agree with its verdict. */
function trendText(slope: number, ci: readonly [number, number], ciText: (lo: number, hi: number) => string): string {
  const [lo, hi] = ci;
  if (hi < 0) return `falling ${formatBytes(slope)}/iter, ${ciText(lo, hi)}`;
  if (lo > 0) return `creeping ${formatBytes(slope)}/iter, ${ciText(lo, hi)}, too little to matter`;
  return `slope within noise, ${ciText(lo, hi)}`;
}

function minOf(a: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) m = Math.min(m, a[i] as number);
  return m;
}

/**
 * Growth inside the automatic warm-up cut: from the trace's first points (0.5 %, at least 3)
 * to the median level of the judged window. It counts only when it is material: the start
 * lies a floor below even the window's 1st percentile (so a flat trace whose values hop
 * between two allocator steps, or drift in autocorrelated noise, never qualifies), and the
 * rise exceeds 4× the window's robust noise. Undefined otherwise. The window is read through
 * at most 4096 evenly spaced points, so this costs the same on 10^7 samples as on 10^4.
 */
function riseInWarmup(
  iteration: ArrayLike<number>,
  value: ArrayLike<number>,
  start: number,
  n: number,
  floorBytes: number,
): { bytes: number; reachedIteration: number } | undefined {
  const head = Math.max(1, Math.min(start, Math.max(3, Math.ceil(0.005 * n))));
  const startLevel = medianOf(Float64Array.from({ length: head }, (_, i) => value[i] as number));
  const len = n - start;
  const k = Math.min(len, 4096);
  const window = Float64Array.from({ length: k }, (_, j) => value[start + Math.floor((j * len) / k)] as number).sort();
  const level = window[k >> 1] as number;
  const low = window[Math.floor(0.01 * (k - 1))] as number;
  const dev = window.map((v) => Math.abs(v - level));
  const noise = 1.4826 * medianOf(dev);
  const bytes = level - startLevel;
  if (!(low - startLevel >= floorBytes && bytes >= Math.max(floorBytes, LEAK_DEFAULTS.noiseMultiple * noise)))
    return undefined;
  // Where it got there: the first point at the window's 1st percentile or above.
  let i = 0;
  while (i < n - 1 && (value[i] as number) < low) i++;
  return { bytes, reachedIteration: iteration[i] as number };
}
