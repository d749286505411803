/**
 * History across commits: a series per scenario run key, strategy and metric, built from
 * many results files (oldest first by `createdAt`, labelled with the environment's git
 * commit), and the change points of each series by E-Divisive (stats/e-divisive.ts) with a
 * permutation p-value per change. One base-vs-head comparison cannot see a slow drift over
 * twenty merges; a change point in the series can, and says at which commit it happened.
 *
 * Metrics per strategy (a strategy that did not complete gives no point):
 * - `throughput-ratio`: × the run's baseline strategy (median per-round ratio; the baseline
 *   itself has none). Interleaved rounds cancel machine-wide drift, so this is the steadiest.
 * - `calls-per-second`: median per-round items/s.
 * - `peak-bytes`: peak of the strategy's primary memory signal.
 * - `leak-slope`: the primary signal's slope, bytes per iteration.
 *
 * Defaults: α = 1, at least 3 points per segment, 5 % level, 199 permutations, seed 1. With
 * these, a series of pure noise gets a (false) change point about 5 % of the time (the
 * test's level; test/analysis/history.test.ts measures it over many seeds).
 */
import { InputError } from "../errors.js";
import type { ResultsFile } from "../results/types.js";
import { eDivisive } from "./stats/e-divisive.js";
import { medianOf } from "./stats/select.js";

const HISTORY_METRICS = ["throughput-ratio", "calls-per-second", "peak-bytes", "leak-slope"] as const;
export type HistoryMetric = (typeof HISTORY_METRICS)[number];

const METRIC_UNITS: Record<HistoryMetric, string> = {
  "throughput-ratio": "× baseline",
  "calls-per-second": "calls/s",
  "peak-bytes": "bytes",
  "leak-slope": "bytes/iteration",
};

export interface HistoryInput {
  /** Where it was read from (for messages and JSON). */
  file: string;
  results: ResultsFile;
}

interface HistoryPoint {
  /** Position in the ordered list of results files (0 = oldest). */
  index: number;
  value: number;
  runId: string;
  createdAt: string;
  gitCommit?: string;
  file: string;
}

export interface HistoryChange {
  /** Index (in `points`) of the first point after the change. */
  at: number;
  /** That point's commit and time: the first results with the new level. */
  gitCommit?: string;
  createdAt: string;
  runId: string;
  /** Median of the segment before and of the segment after (up to the neighbouring changes). */
  before: number;
  after: number;
  /** after ÷ before − 1 (undefined when before is 0). */
  change?: number;
  pValue: number;
  statistic: number;
}

export interface HistorySeries {
  /** Scenario run key, "<scenario>/<sequence>/<precision>". */
  key: string;
  strategy: string;
  metric: HistoryMetric;
  unit: string;
  points: HistoryPoint[];
  /** Change points, oldest first. */
  changes: HistoryChange[];
  /** false when the series is too short to test (fewer than 2 × minSize points). */
  tested: boolean;
}

export interface HistoryOptions {
  /** Only results created at or after this time. */
  since?: Date;
  /** Only these run keys (or "key:strategy"). */
  keys?: string[];
  /** Fewest points between change points; default 3. */
  minSize?: number;
  sigLevel?: number;
  permutations?: number;
  seed?: number;
  alpha?: number;
}

export interface History {
  /** Results files used (after --since), oldest first. */
  files: { file: string; runId: string; createdAt: string; gitCommit?: string }[];
  series: HistorySeries[];
  minSize: number;
  sigLevel: number;
  permutations: number;
  alpha: number;
}

const DEFAULT_HISTORY_MIN_SIZE = 3;

type StrategyOf = ResultsFile["runs"][number]["strategies"][number];
type RunOf = ResultsFile["runs"][number];

function metricValue(metric: HistoryMetric, run: RunOf, s: StrategyOf): number | undefined {
  if (s.state !== "completed") return undefined;
  switch (metric) {
    case "throughput-ratio":
      return run.throughput?.find((t) => t.strategy === s.strategy)?.ratio;
    case "calls-per-second": {
      const rates = s.rounds.map((r) => r.itemsPerSecond).filter((x) => Number.isFinite(x) && x > 0);
      return rates.length ? medianOf(rates) : undefined;
    }
    case "peak-bytes":
      return s.peakBytes[s.primarySignal];
    case "leak-slope":
      return s.analysis?.leak[s.primarySignal]?.slopeBytesPerIteration;
  }
}

function matches(keys: readonly string[] | undefined, runKey: string, strategy: string): boolean {
  if (!keys || keys.length === 0) return true;
  return keys.some((k) => k === runKey || k === `${runKey}:${strategy}`);
}

/**
 * Series and change points from results files (any order). Throws InputError (exit 2)
 * when `keys` names no run key present, or nothing is left after `since`.
 */
export function buildHistory(inputs: readonly HistoryInput[], opts: HistoryOptions = {}): History {
  const minSize = opts.minSize ?? DEFAULT_HISTORY_MIN_SIZE;
  const sigLevel = opts.sigLevel ?? 0.05;
  const permutations = opts.permutations ?? 199;
  const alpha = opts.alpha ?? 1;
  const since = opts.since?.getTime();
  const ordered = inputs
    .filter((i) => since === undefined || Date.parse(i.results.createdAt) >= since)
    .sort(
      (a, b) =>
        Date.parse(a.results.createdAt) - Date.parse(b.results.createdAt) ||
        (a.file < b.file ? -1 : a.file > b.file ? 1 : 0),
    );
  if (inputs.length && !ordered.length && opts.since)
    throw new InputError(
      `--since ${opts.since.toISOString()}: none of the ${inputs.length} results files was created at or after it (newest: ${
        [...inputs].sort((a, b) => Date.parse(b.results.createdAt) - Date.parse(a.results.createdAt))[0]!.results
          .createdAt
      }).`,
    );

  const allKeys = new Set<string>();
  for (const i of ordered)
    for (const r of i.results.runs) {
      allKeys.add(r.key);
      for (const s of r.strategies) allKeys.add(`${r.key}:${s.strategy}`);
    }
  const unknown = (opts.keys ?? []).filter((k) => !allKeys.has(k));
  if (unknown.length)
    throw new InputError(
      `--key: ${unknown.map((k) => JSON.stringify(k)).join(", ")} is in none of the results files. Run keys found: ${
        [...allKeys]
          .filter((k) => !k.includes(":"))
          .sort()
          .slice(0, 20)
          .join(", ") || "none"
      } (add ":STRATEGY" for one strategy).`,
    );

  const byId = new Map<string, HistorySeries>();
  ordered.forEach((input, index) => {
    const f = input.results;
    for (const run of f.runs)
      for (const s of run.strategies) {
        if (!matches(opts.keys, run.key, s.strategy)) continue;
        for (const metric of HISTORY_METRICS) {
          const value = metricValue(metric, run, s);
          if (value === undefined || !Number.isFinite(value)) continue;
          const id = `${run.key}\u0000${s.strategy}\u0000${metric}`;
          let series = byId.get(id);
          if (!series) {
            series = {
              key: run.key,
              strategy: s.strategy,
              metric,
              unit: METRIC_UNITS[metric],
              points: [],
              changes: [],
              tested: false,
            };
            byId.set(id, series);
          }
          const p: HistoryPoint = { index, value, runId: f.runId, createdAt: f.createdAt, file: input.file };
          if (f.environment.gitCommit) p.gitCommit = f.environment.gitCommit;
          series.points.push(p);
        }
      }
  });

  const series = [...byId.values()];
  for (const s of series) {
    s.tested = s.points.length >= 2 * minSize;
    if (!s.tested) continue;
    const values = s.points.map((p) => p.value);
    const r = eDivisive(values, { minSize, sigLevel, permutations, alpha, seed: opts.seed ?? 1 });
    const cuts = r.changePoints.map((c) => c.index);
    const bounds = [0, ...cuts, values.length];
    s.changes = r.changePoints.map((c, k) => {
      const before = medianOf(values.slice(bounds[k]!, c.index));
      const after = medianOf(values.slice(c.index, bounds[k + 2]!));
      const p = s.points[c.index]!;
      const ch: HistoryChange = {
        at: c.index,
        createdAt: p.createdAt,
        runId: p.runId,
        before,
        after,
        pValue: c.pValue ?? 0,
        statistic: c.statistic,
      };
      if (p.gitCommit) ch.gitCommit = p.gitCommit;
      if (before !== 0) ch.change = after / before - 1;
      return ch;
    });
  }
  series.sort(
    (a, b) =>
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) ||
      (a.strategy < b.strategy ? -1 : a.strategy > b.strategy ? 1 : 0) ||
      HISTORY_METRICS.indexOf(a.metric) - HISTORY_METRICS.indexOf(b.metric),
  );
  return {
    files: ordered.map((i) => {
      const out: History["files"][number] = {
        file: i.file,
        runId: i.results.runId,
        createdAt: i.results.createdAt,
      };
      if (i.results.environment.gitCommit) out.gitCommit = i.results.environment.gitCommit;
      return out;
    }),
    series,
    minSize,
    sigLevel,
    permutations,
    alpha,
  };
}
