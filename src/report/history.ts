/**
 * `vramgate history` output: a table of series and their change points, and an SVG chart
 * per run key and metric (a line per strategy over the results, oldest first, a dashed
 * marker at each change point labelled with its commit).
 */
import Table from "cli-table3";
import type { History, HistoryChange, HistoryMetric, HistorySeries } from "../analysis/history.js";
import { MIB, mib, percentChange, sig3 } from "../format.js";
import { type ChartLine, type ChartMarker, lineChart, STRATEGY_COLORS } from "./svg.js";

const METRIC_TITLES: Record<HistoryMetric, { title: string; unit: string; scale: number }> = {
  "throughput-ratio": { title: "throughput × baseline", unit: "× baseline", scale: 1 },
  "calls-per-second": { title: "calls/s", unit: "calls/s", scale: 1 },
  "peak-bytes": { title: "peak memory", unit: "MiB", scale: 1 / MIB },
  "leak-slope": { title: "leak slope", unit: "KiB / iteration", scale: 1 / 1024 },
};

function value(metric: HistoryMetric, v: number): string {
  if (metric === "peak-bytes") return `${mib(v)} MiB`;
  if (metric === "leak-slope") return `${sig3(v / 1024)} KiB/it`;
  if (metric === "throughput-ratio") return `${sig3(v)}×`;
  return sig3(v);
}

function commitOf(c: { gitCommit?: string; runId: string }): string {
  return c.gitCommit ? c.gitCommit.slice(0, 7) : c.runId.slice(0, 24);
}

function pText(p: number): string {
  return p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(3)}`;
}

function changeText(s: HistorySeries, c: HistoryChange): string {
  const ch = c.change !== undefined ? ` (${percentChange(1 + c.change)})` : "";
  return `at #${c.at} ${commitOf(c)}: ${value(s.metric, c.before)} → ${value(s.metric, c.after)}${ch}, ${pText(c.pValue)}`;
}

/** The history as a plain-text table, one row per series. */
export function formatHistory(h: History, color = false): string {
  const table = new Table({
    head: ["run", "strategy", "metric", "points", "latest", "change points"],
    style: color ? { head: ["cyan"], border: ["grey"], compact: true } : { head: [], border: [], compact: true },
  });
  for (const s of h.series) {
    const last = s.points[s.points.length - 1];
    table.push([
      s.key,
      s.strategy,
      s.metric,
      s.points.length,
      last ? value(s.metric, last.value) : "—",
      !s.tested
        ? `too few points to test (< ${2 * h.minSize})`
        : s.changes.length
          ? s.changes.map((c) => changeText(s, c)).join("\n")
          : "none",
    ]);
  }
  const first = h.files[0];
  const last = h.files[h.files.length - 1];
  const lines = [
    `${h.files.length} results files${first && last ? ` from ${first.createdAt} (${commitOf(first)}) to ${last.createdAt} (${commitOf(last)})` : ""}`,
    table.toString(),
    `Change points: E-Divisive (Matteson & James 2014), α = ${h.alpha}, at least ${h.minSize} results per segment, permutation test (${h.permutations} permutations) at the ${(h.sigLevel * 100).toFixed(0)} % level.`,
  ];
  const found = h.series.reduce((n, s) => n + s.changes.length, 0);
  lines.push(
    found
      ? `${found} change point${found === 1 ? "" : "s"} in ${h.series.filter((s) => s.changes.length).length} of ${h.series.length} series.`
      : `No change point in ${h.series.length} series.`,
  );
  return lines.join("\n");
}

/** A file name made of safe characters (run keys hold slashes). */
function chartFileName(key: string, metric: HistoryMetric): string {
  const safe = `${key}-${metric}`.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 200);
  return `${safe}.svg`;
}

/**
 * Puts the labels of markers too close to share a row on the next row (greedy, by x): the
 * plot is ~640 px wide over about `span` x units, a label ~6.5 px per character.
 */
function stackLabels(markers: ChartMarker[], span: number): void {
  const pxPerUnit = 640 / span;
  const ends: number[] = []; // per row: right end (px) of its last label
  for (const mk of [...markers].sort((a, b) => a.x - b.x)) {
    const left = mk.x * pxPerUnit - (mk.label.length * 6.5) / 2;
    let row = ends.findIndex((end) => left > end + 8);
    if (row < 0) row = ends.length;
    ends[row] = mk.x * pxPerUnit + (mk.label.length * 6.5) / 2;
    mk.row = row;
  }
}

/** One SVG per run key and metric: a line per strategy, a marker per change point. */
export function historyCharts(h: History): { file: string; svg: string }[] {
  const groups = new Map<string, HistorySeries[]>();
  for (const s of h.series) {
    const id = `${s.key}\u0000${s.metric}`;
    groups.set(id, [...(groups.get(id) ?? []), s]);
  }
  const out: { file: string; svg: string }[] = [];
  for (const list of groups.values()) {
    const { key, metric } = list[0]!;
    const t = METRIC_TITLES[metric];
    const lines: ChartLine[] = [];
    const markers: ChartMarker[] = [];
    for (const s of list) {
      const color = STRATEGY_COLORS[s.strategy as keyof typeof STRATEGY_COLORS] ?? "#333333";
      lines.push({
        label: s.strategy,
        color,
        x: s.points.map((p) => p.index),
        y: s.points.map((p) => p.value * t.scale),
      });
      for (const c of s.changes) {
        const ch = c.change !== undefined ? ` ${percentChange(1 + c.change)}` : "";
        const x = s.points[c.at]!.index;
        markers.push({ x: x - 0.5, label: `${c.gitCommit ? c.gitCommit.slice(0, 7) : `#${x}`}${ch}`, color });
      }
    }
    stackLabels(markers, Math.max(1, h.files.length));
    out.push({
      file: chartFileName(key, metric),
      svg: lineChart({
        title: `${key} · ${t.title} (dashed: change points)`,
        xLabel: "results, oldest → newest",
        yLabel: t.unit,
        lines,
        markers,
      }),
    });
  }
  return out;
}
