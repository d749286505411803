/**
 * Throughput and latency pictures of one run, one row per strategy: the ratio to the
 * baseline with its 95 % interval as whiskers (a dashed line at 1×), and each strategy's
 * latency spread (min–max whisker, p50–p90 box, p99 tick). Figures as the analysis stored
 * them; nothing decided here.
 */
import type { ScenarioRunResult } from "../results/types.js";
import { close, frame, r1, short } from "./svg-frame.js";
import { escapeXml, FONT, STRATEGY_COLORS } from "./svg.js";

const ROW_PX = 34;

function height(rows: number): number {
  return 44 + 44 + Math.max(2, rows) * ROW_PX;
}

/** Ratio to the baseline per strategy with CI whiskers; undefined when the run has no ratios. */
export function throughputChart(run: ScenarioRunResult): string | undefined {
  const byName = new Map((run.throughput ?? []).filter((t) => t.claim !== "no-data").map((t) => [t.strategy, t]));
  if (byName.size === 0) return undefined;
  const rows = run.strategies
    .map((s) => s.strategy)
    .filter((n) => n === run.baseline || byName.has(n))
    .map((name, i) => {
      const t = byName.get(name);
      return { name, y: i + 1, ratio: t ? t.ratio : 1, ci: t ? t.ratioCi : ([1, 1] as [number, number]) };
    });
  const xs = rows.flatMap((r) => [r.ci[0], r.ci[1], r.ratio]).filter(Number.isFinite);
  const f = frame({
    title: `Throughput × ${run.baseline} (95 % CI) · ${short(run.key, 60)}`,
    width: 720,
    height: height(rows.length),
    left: 120,
    xLabel: `calls/s ÷ ${run.baseline}'s, per interleaved round (median)`,
    yLabel: "",
    xRange: [Math.min(1, ...xs), Math.max(1, ...xs)],
    yRange: [rows.length + 0.5, 0.5],
    yCategories: rows.map((r) => ({ y: r.y, label: r.name, color: STRATEGY_COLORS[r.name] })),
  });
  const one = r1(f.sx(1));
  f.parts.push(
    `<line x1="${one}" y1="${f.top}" x2="${one}" y2="${f.top + f.height}" stroke="#555555" stroke-width="1" stroke-dasharray="4 3"/>`,
  );
  for (const r of rows) {
    const y = r1(f.sy(r.y));
    const color = STRATEGY_COLORS[r.name];
    const [lo, hi] = [r1(f.sx(r.ci[0])), r1(f.sx(r.ci[1]))];
    f.parts.push(
      `<line x1="${lo}" y1="${y}" x2="${hi}" y2="${y}" stroke="${color}" stroke-width="2"/>`,
      `<line x1="${lo}" y1="${r1(f.sy(r.y) - 6)}" x2="${lo}" y2="${r1(f.sy(r.y) + 6)}" stroke="${color}" stroke-width="2"/>`,
      `<line x1="${hi}" y1="${r1(f.sy(r.y) - 6)}" x2="${hi}" y2="${r1(f.sy(r.y) + 6)}" stroke="${color}" stroke-width="2"/>`,
      `<circle cx="${r1(f.sx(r.ratio))}" cy="${y}" r="5" fill="${color}"/>`,
      `<text x="${r1(f.sx(r.ci[1]) + 8)}" y="${y}" ${FONT} font-size="11" fill="#333333" dominant-baseline="middle">${escapeXml(`${r.ratio.toFixed(2)}×`)}</text>`,
    );
  }
  return close(f);
}

/** Latency spread per strategy (min–max, p50–p90 box, p99 tick); undefined without latency figures. */
export function latencyChart(run: ScenarioRunResult): string | undefined {
  const rows = run.strategies
    .filter((s) => s.latency && s.latency.count > 0)
    .map((s, i) => ({ name: s.strategy, y: i + 1, l: s.latency! }));
  if (rows.length === 0) return undefined;
  const f = frame({
    title: `Latency per call, ms · ${short(run.key, 70)}`,
    width: 720,
    height: height(rows.length) + 16,
    left: 120,
    xLabel: "host latency per call, ms (whisker min–max, box p50–p90, tick p99)",
    yLabel: "",
    xRange: [Math.min(...rows.map((r) => r.l.minMs)), Math.max(...rows.map((r) => r.l.maxMs))],
    yRange: [rows.length + 0.5, 0.5],
    yCategories: rows.map((r) => ({ y: r.y, label: r.name, color: STRATEGY_COLORS[r.name] })),
  });
  for (const r of rows) {
    const y = f.sy(r.y);
    const color = STRATEGY_COLORS[r.name];
    const x = (v: number) => r1(f.sx(v));
    f.parts.push(
      `<line x1="${x(r.l.minMs)}" y1="${r1(y)}" x2="${x(r.l.maxMs)}" y2="${r1(y)}" stroke="${color}" stroke-width="1.5"/>`,
      `<rect x="${x(r.l.p50Ms)}" y="${r1(y - 8)}" width="${r1(Math.max(1, f.sx(r.l.p90Ms) - f.sx(r.l.p50Ms)))}" height="16" fill="${color}" fill-opacity="0.35" stroke="${color}"/>`,
      `<line x1="${x(r.l.p50Ms)}" y1="${r1(y - 8)}" x2="${x(r.l.p50Ms)}" y2="${r1(y + 8)}" stroke="${color}" stroke-width="3"/>`,
      `<line x1="${x(r.l.p99Ms)}" y1="${r1(y - 11)}" x2="${x(r.l.p99Ms)}" y2="${r1(y + 11)}" stroke="#222222" stroke-width="2"/>`,
      `<text x="${x(r.l.p99Ms)}" y="${r1(y - 13)}" ${FONT} font-size="10" fill="#222222" text-anchor="middle">${escapeXml(`p99 ${r.l.p99Ms.toPrecision(3)}`)}</text>`,
    );
  }
  return close(f);
}
