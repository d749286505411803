/**
 * Compare two results files (a baseline, usually main's latest run, and a head run):
 * per scenario run and strategy, the change in throughput and in peak memory, each with
 * a claim that only calls a regression when the evidence covers it.
 *
 * Throughput: the ratio of median per-round items/s (head ÷ base) with a seeded bootstrap
 * 95 % interval (rounds of each file resampled independently: the two runs are not paired).
 * A claim needs the whole interval past the tolerated band 1 ± maxRegression:
 * `regression` when its upper bound is below 1 − maxRegression, `improvement` when its lower
 * bound is above 1 + maxRegression, otherwise `within-noise`. Round-to-round spread inside one
 * run understates run-to-run spread (thermal state, other tenants), which is why the band
 * is not zero.
 *
 * Peak memory is one figure per run (no rounds): `increase` / `decrease` when the relative
 * change of the primary signal's peak is past ±maxMemoryIncrease.
 */
import { mean, sampleStandardDeviation } from "simple-statistics";
import { InputError } from "../errors.js";
import type { Environment, ResultsFile, StrategyResult } from "../results/types.js";
import type { LeakVerdict } from "../results/verdicts.js";
import type { StrategyName } from "../scenarios/types.js";
import { environmentWarnings } from "./fingerprint.js";
import { medianInPlace, medianOf } from "./stats/select.js";
import { mulberry32 } from "./stats/prng.js";

/** Tolerated throughput drop when none is given: 5 %. */
export const DEFAULT_MAX_REGRESSION = 0.05;
/** Tolerated peak-memory increase when none is given: 10 %. */
export const DEFAULT_MAX_MEMORY_INCREASE = 0.1;
/** Bootstrap resamples per interval. */
const RESAMPLES = 2000;

/**
 * Most round-to-round coefficient of variation of items/s (sample sd ÷ mean) a run may have
 * for `compare` to claim a throughput change: past it the claim is `inconclusive`. Measured
 * by `npm run bench:gate-noise`: on a loaded 2-core machine rounds varied by 6–97 % (median
 * ~30 %) and unchanged runs differed by up to 10×; a 5 % band on such runs failed 2 of 14
 * A/A pairs (results/examples/gate-noise/).
 */
const DEFAULT_MAX_ROUND_CV = 0.1;

type ThroughputChangeClaim = "regression" | "improvement" | "within-noise" | "inconclusive" | "no-data";
type MemoryChangeClaim = "increase" | "decrease" | "within-noise" | "inconclusive" | "no-data";

export interface ThroughputChange {
  /** Median per-round items/s of each file, when it has rounds. */
  baseItemsPerSecond?: number;
  headItemsPerSecond?: number;
  /** headItemsPerSecond ÷ baseItemsPerSecond. */
  ratio?: number;
  /** 95 % bootstrap interval of that ratio. */
  ratioCi?: [number, number];
  /** Rounds with a usable items/s figure in each file. */
  rounds: { base: number; head: number };
  claim: ThroughputChangeClaim;
  /**
   * The smallest changes this comparison could have claimed at its own noise, as fractions:
   * a true drop past `drop` would have been a regression, a gain past `rise` an improvement.
   * The interval scales with the ratio (head × a → every resampled ratio × a), so its
   * relative width at the observed ratio gives them: drop = 1 − (1 − maxRegression) ×
   * ratio ÷ upper, rise = (1 + maxRegression) × ratio ÷ lower − 1. With the interval.
   * A `within-noise` −44.9 % with drop 0.6 says: only a fall past 60 % shows at this noise.
   */
  detectable?: { drop: number; rise: number };
  /** Round-to-round coefficient of variation of items/s in each file (with ≥ 2 rounds). */
  cv?: { base: number; head: number };
  /** Why the claim is `inconclusive` (a run too noisy to decide). */
  reason?: string;
}

export interface MemoryChange {
  /** Signal compared (the base strategy's primary signal). */
  signal: string;
  baseBytes?: number;
  headBytes?: number;
  /** headBytes ÷ baseBytes. */
  ratio?: number;
  /**
   * Ratio of the typical level: median over the series' blocks of each block's maximum
   * (head ÷ base). A peak that rose past the tolerance while this did not rise past half of
   * it is one spike, not a new level: `inconclusive`.
   */
  typicalRatio?: number;
  /** How much each run's own level moves within it (see memoryInconclusive). */
  wander?: { base: number; head: number };
  claim: MemoryChangeClaim;
  /** Why the claim is `inconclusive`. */
  reason?: string;
}

export interface StrategyComparison {
  run: string;
  strategy: StrategyName;
  baseState: StrategyResult["state"];
  headState: StrategyResult["state"];
  throughput: ThroughputChange;
  peakMemory: MemoryChange;
  /** Leak verdict of the primary signal in each file; `newLeak` when head is `leak` and base was not. */
  leak: { base?: LeakVerdict; head?: LeakVerdict; newLeak: boolean };
}

export interface Comparison {
  base: { runId: string; createdAt: string; gitCommit?: string };
  head: { runId: string; createdAt: string; gitCommit?: string };
  /** Environment differences found (empty when comparable); non-empty only with force. */
  environmentDifferences: string[];
  /** Differences that do not make the runs incomparable but may move their figures (fingerprint.ts). */
  environmentWarnings: string[];
  forced: boolean;
  thresholds: { maxRegression: number; maxMemoryIncrease: number; maxCv: number };
  strategies: StrategyComparison[];
  /** Run keys, or "run · strategy", present in one file only. */
  onlyInBase: string[];
  onlyInHead: string[];
}

export interface CompareOptions {
  /** Compare even when GPU, driver or engine versions differ (differences are recorded). */
  force?: boolean;
  /** Tolerated throughput drop, fraction (0.05 = 5 %). */
  maxRegression?: number;
  /** Tolerated peak-memory increase, fraction. */
  maxMemoryIncrease?: number;
  /** Most round-to-round CV of items/s for a throughput claim (default DEFAULT_MAX_ROUND_CV). */
  maxCv?: number;
  /** Names shown in the refusal message. */
  baseName?: string;
  headName?: string;
}

/**
 * Compare head against base. Throws InputError (exit 2) when the environments differ and
 * `force` is not set, naming every difference.
 */
export function compareResults(base: ResultsFile, head: ResultsFile, opts: CompareOptions = {}): Comparison {
  const maxRegression = opts.maxRegression ?? DEFAULT_MAX_REGRESSION;
  const maxMemoryIncrease = opts.maxMemoryIncrease ?? DEFAULT_MAX_MEMORY_INCREASE;
  const maxCv = opts.maxCv ?? DEFAULT_MAX_ROUND_CV;
  const differences = environmentDifferences(base, head);
  if (differences.length && !opts.force) {
    const b = opts.baseName ?? `base (${base.runId})`;
    const h = opts.headName ?? `head (${head.runId})`;
    throw new InputError(
      `cannot compare ${b} with ${h}: they were measured in different environments:\n` +
        differences.map((d) => `  - ${d}`).join("\n") +
        `\nPass --force to compare anyway (the figures may differ for reasons other than the change).`,
    );
  }

  const strategies: StrategyComparison[] = [];
  const onlyInBase: string[] = [];
  const onlyInHead: string[] = [];
  const headRuns = new Map(head.runs.map((r) => [r.key, r]));
  const baseKeys = new Set(base.runs.map((r) => r.key));
  for (const br of base.runs) {
    const hr = headRuns.get(br.key);
    if (!hr) {
      onlyInBase.push(br.key);
      continue;
    }
    const headStrategies = new Map(hr.strategies.map((s) => [s.strategy, s]));
    for (const bs of br.strategies) {
      const hs = headStrategies.get(bs.strategy);
      if (!hs) {
        onlyInBase.push(`${br.key} · ${bs.strategy}`);
        continue;
      }
      strategies.push({
        run: br.key,
        strategy: bs.strategy,
        baseState: bs.state,
        headState: hs.state,
        throughput: throughputChange(bs, hs, maxRegression, `${br.key}\u0000${bs.strategy}`, maxCv),
        peakMemory: memoryChange(bs, hs, maxMemoryIncrease),
        leak: leakChange(bs, hs),
      });
    }
    const baseNames = new Set(br.strategies.map((s) => s.strategy));
    for (const hs of hr.strategies) if (!baseNames.has(hs.strategy)) onlyInHead.push(`${hr.key} · ${hs.strategy}`);
  }
  for (const hr of head.runs) if (!baseKeys.has(hr.key)) onlyInHead.push(hr.key);

  return {
    base: summary(base),
    head: summary(head),
    environmentDifferences: differences,
    environmentWarnings: environmentWarnings(base.environment, head.environment),
    forced: differences.length > 0,
    thresholds: { maxRegression, maxMemoryIncrease, maxCv },
    strategies,
    onlyInBase,
    onlyInHead,
  };
}

/** Strategy comparisons that exceed a threshold (throughput regression or memory increase). */
export function regressions(c: Comparison): StrategyComparison[] {
  return c.strategies.filter((s) => s.throughput.claim === "regression" || s.peakMemory.claim === "increase");
}

/** How many strategy comparisons regressed, newly leak, improved, stayed within noise, or had no data (each counted once). */
export interface ComparisonCounts {
  /** Throughput regression or memory increase (what makes `compare` exit 1). */
  regressions: number;
  /** No regression, but the head's verdict is `leak` where the base's was not. */
  newLeaks: number;
  /** Throughput improvement or memory decrease, and none of the above. */
  improvements: number;
  unchanged: number;
  /** Nothing claimed, and a run was too noisy to decide (see `reason`). */
  inconclusive: number;
  /** Neither throughput nor memory could be compared. */
  noData: number;
}

export function comparisonCounts(c: Comparison): ComparisonCounts {
  const out: ComparisonCounts = {
    regressions: 0,
    newLeaks: 0,
    improvements: 0,
    unchanged: 0,
    inconclusive: 0,
    noData: 0,
  };
  for (const s of c.strategies) {
    if (s.throughput.claim === "regression" || s.peakMemory.claim === "increase") out.regressions++;
    else if (s.leak.newLeak) out.newLeaks++;
    else if (s.throughput.claim === "improvement" || s.peakMemory.claim === "decrease") out.improvements++;
    else if (s.throughput.claim === "inconclusive" || s.peakMemory.claim === "inconclusive") out.inconclusive++;
    else if (s.throughput.claim === "no-data" && s.peakMemory.claim === "no-data") out.noData++;
    else out.unchanged++;
  }
  return out;
}

function leakChange(b: StrategyResult, h: StrategyResult): StrategyComparison["leak"] {
  const base = b.analysis?.leak[b.primarySignal]?.verdict;
  const head = h.analysis?.leak[h.primarySignal]?.verdict;
  const out: StrategyComparison["leak"] = { newLeak: head === "leak" && base !== "leak" };
  if (base) out.base = base;
  if (head) out.head = head;
  return out;
}

function summary(f: ResultsFile): Comparison["base"] {
  const out: Comparison["base"] = { runId: f.runId, createdAt: f.createdAt };
  if (f.environment.gitCommit) out.gitCommit = f.environment.gitCommit;
  return out;
}

/**
 * What makes two runs' figures incomparable: GPU models, driver, CUDA, the versions of the
 * engines the runs used, and the CPU when neither side has a GPU (then the CPU does the work).
 */
function environmentDifferences(base: ResultsFile, head: ResultsFile): string[] {
  const used = [...base.runs, ...head.runs].map((r) => r.engine);
  return compareEnvironments(base.environment, head.environment, used);
}

/**
 * The same check on two environments alone, e.g. a baseline file's against the machine's
 * before a run starts (so a mismatch is reported before the benchmark, not after it).
 * `enginesUsed`: engine names whose versions matter (all recorded engines when empty).
 * `partial`: `b` was collected before its engines loaded, so an engine version missing
 * from `b` is unknown (checked again after the run), not a difference.
 */
export function compareEnvironments(
  a: Environment,
  b: Environment,
  enginesUsed: readonly string[] = [],
  opts: { partial?: boolean } = {},
): string[] {
  const out: string[] = [];
  const gpus = (e: Environment): string =>
    e.gpus.length
      ? e.gpus
          .map((g) => g.name)
          .sort()
          .join(" + ")
      : "none";
  if (gpus(a) !== gpus(b)) out.push(`GPU: ${gpus(a)} vs ${gpus(b)}`);
  const driver = (e: Environment): string => e.driverVersion ?? e.gpus[0]?.driverVersion ?? "unknown";
  if (a.gpus.length + b.gpus.length > 0 && driver(a) !== driver(b)) out.push(`driver: ${driver(a)} vs ${driver(b)}`);
  if ((a.cudaVersion ?? "") !== (b.cudaVersion ?? ""))
    out.push(`CUDA: ${a.cudaVersion ?? "none"} vs ${b.cudaVersion ?? "none"}`);
  if (a.gpus.length === 0 && b.gpus.length === 0 && a.cpu !== b.cpu) out.push(`CPU: ${a.cpu} vs ${b.cpu}`);

  // Only engines the runs used matter: a library installed since is no reason to refuse.
  const used = new Set<string>(enginesUsed);
  let names = [...new Set([...Object.keys(a.engines), ...Object.keys(b.engines)])].filter((n) => used.has(n));
  if (names.length === 0) names = [...new Set([...Object.keys(a.engines), ...Object.keys(b.engines)])];
  for (const n of names.sort()) {
    const va = a.engines[n] ?? "absent";
    if (opts.partial && b.engines[n] === undefined) continue;
    const vb = b.engines[n] ?? "absent";
    if (va !== vb) out.push(`${n}: ${va} vs ${vb}`);
  }
  return out;
}

function usableRates(s: StrategyResult): number[] {
  return s.rounds.map((r) => r.itemsPerSecond).filter((x) => Number.isFinite(x) && x > 0);
}

function throughputChange(
  b: StrategyResult,
  h: StrategyResult,
  maxRegression: number,
  seedKey: string,
  maxCv = DEFAULT_MAX_ROUND_CV,
): ThroughputChange {
  const base = usableRates(b);
  const head = usableRates(h);
  const out: ThroughputChange = { rounds: { base: base.length, head: head.length }, claim: "no-data" };
  if (base.length) out.baseItemsPerSecond = medianOf(base);
  if (head.length) out.headItemsPerSecond = medianOf(head);
  // One round gives no spread, so no interval: no claim either way.
  if (base.length < 2 || head.length < 2) return out;
  const ratio = medianOf(head) / medianOf(base);
  const ci = bootstrapRatioOfMedians(base, head, hashSeed(seedKey));
  out.ratio = ratio;
  out.ratioCi = ci;
  out.claim = ci[1] < 1 - maxRegression ? "regression" : ci[0] > 1 + maxRegression ? "improvement" : "within-noise";
  const cv = { base: coefficientOfVariation(base), head: coefficientOfVariation(head) };
  out.cv = cv;
  const noisy = (["base", "head"] as const).filter((k) => cv[k] > maxCv);
  if (noisy.length && out.claim !== "within-noise") {
    out.reason = `${noisy.map((k) => `${k} rounds vary by ${(cv[k] * 100).toFixed(0)} %`).join(", ")} (CV of items/s; limit ${(maxCv * 100).toFixed(0)} %): too noisy to call a ${out.claim}`;
    out.claim = "inconclusive";
  }
  if (ci[0] > 0 && ci[1] > 0)
    out.detectable = {
      drop: Math.max(0, 1 - ((1 - maxRegression) * ratio) / ci[1]),
      rise: Math.max(0, ((1 + maxRegression) * ratio) / ci[0] - 1),
    };
  return out;
}

function memoryChange(b: StrategyResult, h: StrategyResult, maxIncrease: number): MemoryChange {
  const signal = b.primarySignal;
  const out: MemoryChange = { signal, claim: "no-data" };
  const bb = b.peakBytes[signal];
  const hb = h.peakBytes[signal];
  if (typeof bb === "number") out.baseBytes = bb;
  if (typeof hb === "number") out.headBytes = hb;
  if (typeof bb !== "number" || typeof hb !== "number" || !(bb > 0)) return out;
  const ratio = hb / bb;
  out.ratio = ratio;
  out.claim = ratio > 1 + maxIncrease ? "increase" : ratio < 1 - maxIncrease ? "decrease" : "within-noise";
  const tb = typicalPeak(b, signal);
  const th = typicalPeak(h, signal);
  if (tb !== undefined && th !== undefined && tb > 0) out.typicalRatio = th / tb;
  const wb = levelWander(b, signal);
  const wh = levelWander(h, signal);
  if (wb !== undefined && wh !== undefined) out.wander = { base: wb, head: wh };
  const reason = memoryInconclusive(out, maxIncrease);
  if (reason) {
    out.reason = reason;
    out.claim = "inconclusive";
  }
  return out;
}

/**
 * Why a peak-memory change past ±maxIncrease cannot be decided, or undefined when it can (or
 * when there is no such change): one spike (the typical level moved less than half the
 * tolerance), or a run whose own level wanders within it by more than the tolerance (host RSS
 * of a strategy that re-creates sessions: allocator arenas; a head that leaks is the leak
 * gate's to judge). Used by `compare` and by
 * the memory-increase gate, each with its own tolerance.
 */
export function memoryInconclusive(m: MemoryChange, maxIncrease: number): string | undefined {
  if (m.ratio === undefined) return undefined;
  const up = m.ratio > 1 + maxIncrease;
  const down = m.ratio < 1 - maxIncrease;
  if (!up && !down) return undefined;
  if (
    m.typicalRatio !== undefined &&
    (up ? m.typicalRatio <= 1 + maxIncrease / 2 : m.typicalRatio >= 1 - maxIncrease / 2)
  )
    return `the peak moved ${percent(m.ratio)} but the typical level (median block maximum) only ${percent(m.typicalRatio)}: one spike, not a new level`;
  const noisy = m.wander ? (["base", "head"] as const).filter((k) => m.wander![k] > maxIncrease) : [];
  if (noisy.length)
    return `${noisy.map((k) => `the ${k}'s level wanders by ${(m.wander![k] * 100).toFixed(1)} %`).join(" and ")} within its run (5–95 % of block maxima), more than the tolerated ${(maxIncrease * 100).toFixed(0)} %`;
  return undefined;
}

/** (95th − 5th percentile) ÷ median of the block maxima of `signal`: how much the level moves within the run. */
function levelWander(s: StrategyResult, signal: string): number | undefined {
  const max = s.series.signals[signal]?.max.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!max || max.length < 8) return undefined;
  const q = (p: number): number => max[Math.round(p * (max.length - 1))]!;
  const mid = medianOf(max);
  return mid > 0 ? (q(0.95) - q(0.05)) / mid : undefined;
}

function percent(ratio: number): string {
  const v = (ratio - 1) * 100;
  return `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(1)} %`;
}

/** Sample standard deviation ÷ mean (0 for fewer than 2 values). */
export function coefficientOfVariation(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean([...xs]);
  return m > 0 ? sampleStandardDeviation([...xs]) / m : 0;
}

/** Median over the series' blocks of each block's maximum of `signal` (undefined without blocks). */
function typicalPeak(s: StrategyResult, signal: string): number | undefined {
  const max = s.series.signals[signal]?.max.filter((x) => Number.isFinite(x));
  return max?.length ? medianOf(max) : undefined;
}

/**
 * 95 % percentile-bootstrap interval of median(head) ÷ median(base), resampling each list
 * independently. Deterministic for a given seed.
 */
export function bootstrapRatioOfMedians(
  base: readonly number[],
  head: readonly number[],
  seed: number,
  resamples = RESAMPLES,
): [number, number] {
  const rand = mulberry32(seed);
  const ratios = new Float64Array(resamples);
  const bs = new Float64Array(base.length);
  const hs = new Float64Array(head.length);
  for (let i = 0; i < resamples; i++) {
    for (let k = 0; k < bs.length; k++) bs[k] = base[Math.floor(rand() * base.length)]!;
    for (let k = 0; k < hs.length; k++) hs[k] = head[Math.floor(rand() * head.length)]!;
    ratios[i] = medianInPlace(hs) / medianInPlace(bs);
  }
  ratios.sort();
  const lo = ratios[Math.floor(0.025 * (resamples - 1))]!;
  const hi = ratios[Math.ceil(0.975 * (resamples - 1))]!;
  return [lo, hi];
}

/** FNV-1a of a string: a per-(run, strategy) seed, so intervals do not depend on file order. */
function hashSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
