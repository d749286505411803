/**
 * Dependency-free SVG line charts of memory over iterations. Output is plain SVG 1.1 with
 * xmlns, width/height and viewBox, generic font families only and no scripts, so GitHub
 * renders it inside <img> (it strips nothing we rely on).
 */
import type { ScenarioRunResult, StrategyResult } from "../results/types.js";
import type { StrategyName } from "../scenarios/types.js";
import { MIB, slope as slopeText } from "../format.js";
import { median, primaryLeak } from "../analysis/figures.js";

/** One drawn series; y values in the chart's unit (MiB here). */
export interface ChartLine {
  label: string;
  color: string;
  x: number[];
  y: number[];
  /** Shaded range around the line (same length as x). */
  band?: { low: number[]; high: number[] };
  dashed?: boolean;
}

export interface ChartMarker {
  /** Vertical marker at this x, labelled (e.g. out of memory). */
  x: number;
  label: string;
  color: string;
  /** Label row: 0 above the plot (default), 1, 2, … stacked down inside its top, so labels of close markers do not overlap. */
  row?: number;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  lines: ChartLine[];
  markers?: ChartMarker[];
  /** Short ticks along the x axis at these x (e.g. calls at a first-seen shape), with a legend entry. */
  rug?: { x: number[]; label: string; color: string };
  /** Pixels; defaults 720 × 320. */
  width?: number;
  height?: number;
}

/** Fixed colour per strategy so a strategy looks the same in every chart. */
export const STRATEGY_COLORS: Record<StrategyName, string> = {
  persistent: "#d62728",
  teardown: "#ff7f0e",
  scoped: "#1f77b4",
  "per-shape": "#2ca02c",
  "user-managed": "#9467bd",
};

export const FONT = `font-family="Helvetica, Arial, sans-serif"`;

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/**
 * "Nice" tick values (steps of 1, 2 or 5 × 10^k) covering [min, max] with at most about
 * `target` + 1 ticks; the first tick ≤ min and the last ≥ max.
 */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [0, 1];
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.05 : 1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const first = Math.floor(min / step + 1e-9) * step;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const ticks: number[] = [];
  // Stop at the first tick at or past max; integer stepping avoids accumulated error.
  for (let k = 0; ticks.length < 2 || ticks[ticks.length - 1]! < max - step * 1e-9; k++) {
    ticks.push(Number((first + k * step).toFixed(decimals)));
    if (ticks.length > 50) break;
  }
  return ticks;
}

/** Tick text; `thousands` (every label in k) when the axis reaches 10 000 in steps of 1000+. */
function tickLabel(v: number, step: number, thousands: boolean): string {
  if (thousands) return v === 0 ? "0" : `${Number((v / 1000).toFixed(1))}k`;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return v.toFixed(decimals);
}

const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** Render a line chart. Non-finite points are dropped (never written as NaN). */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 320;
  const m = { left: 64, right: 20, top: 54, bottom: 44 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;

  const xs: number[] = [];
  const ys: number[] = [];
  for (const l of spec.lines) {
    l.x.forEach((x, i) => {
      const y = l.y[i];
      if (Number.isFinite(x) && y !== undefined && Number.isFinite(y)) {
        xs.push(x);
        ys.push(y);
      }
      const lo = l.band?.low[i];
      const hi = l.band?.high[i];
      if (lo !== undefined && Number.isFinite(lo)) ys.push(lo);
      if (hi !== undefined && Number.isFinite(hi)) ys.push(hi);
    });
  }
  for (const mk of spec.markers ?? []) if (Number.isFinite(mk.x)) xs.push(mk.x);
  const xTicks = niceTicks(xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1, 6);
  const yTicks = niceTicks(ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1, 5);
  const x0 = xTicks[0]!;
  const x1 = xTicks[xTicks.length - 1]!;
  const y0 = yTicks[0]!;
  const y1 = yTicks[yTicks.length - 1]!;
  const sx = (x: number): number => m.left + ((x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y: number): number => m.top + ph - ((y - y0) / (y1 - y0 || 1)) * ph;
  const xStep = xTicks.length > 1 ? xTicks[1]! - xTicks[0]! : 1;
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
  const xK = xStep >= 1000 && Math.max(Math.abs(x0), Math.abs(x1)) >= 10000;
  const yK = yStep >= 1000 && Math.max(Math.abs(y0), Math.abs(y1)) >= 10000;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
  );
  parts.push(`<title>${escapeXml(spec.title)}</title>`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(
    `<text x="${m.left}" y="20" ${FONT} font-size="14" font-weight="bold" fill="#222222">${escapeXml(spec.title)}</text>`,
  );

  // Grid and axes.
  for (const t of yTicks) {
    const y = f1(sy(t));
    parts.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#e5e5e5" stroke-width="1"/>`);
    parts.push(
      `<text x="${m.left - 6}" y="${y}" ${FONT} font-size="11" fill="#555555" text-anchor="end" dominant-baseline="middle">${tickLabel(t, yStep, yK)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = f1(sx(t));
    parts.push(
      `<line x1="${x}" y1="${m.top + ph}" x2="${x}" y2="${m.top + ph + 4}" stroke="#888888" stroke-width="1"/>`,
    );
    parts.push(
      `<text x="${x}" y="${m.top + ph + 16}" ${FONT} font-size="11" fill="#555555" text-anchor="middle">${tickLabel(t, xStep, xK)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="#888888" stroke-width="1"/>`,
  );
  parts.push(
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}" stroke="#888888" stroke-width="1"/>`,
  );
  parts.push(
    `<text x="${m.left + pw / 2}" y="${height - 6}" ${FONT} font-size="12" fill="#333333" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
  );
  parts.push(
    `<text x="14" y="${m.top + ph / 2}" ${FONT} font-size="12" fill="#333333" text-anchor="middle" transform="rotate(-90 14 ${f1(m.top + ph / 2)})">${escapeXml(spec.yLabel)}</text>`,
  );

  // Bands first so every line stays visible on top of every band.
  for (const l of spec.lines) {
    if (!l.band) continue;
    const upper: string[] = [];
    const lower: string[] = [];
    l.x.forEach((x, i) => {
      const lo = l.band!.low[i];
      const hi = l.band!.high[i];
      if (!Number.isFinite(x) || lo === undefined || hi === undefined || !Number.isFinite(lo) || !Number.isFinite(hi))
        return;
      upper.push(`${f1(sx(x))} ${f1(sy(hi))}`);
      lower.push(`${f1(sx(x))} ${f1(sy(lo))}`);
    });
    if (upper.length > 1)
      parts.push(
        `<path d="M ${[...upper, ...lower.reverse()].join(" L ")} Z" fill="${l.color}" fill-opacity="0.18" stroke="none"/>`,
      );
  }
  for (const l of spec.lines) {
    const pts: string[] = [];
    l.x.forEach((x, i) => {
      const y = l.y[i];
      if (Number.isFinite(x) && y !== undefined && Number.isFinite(y)) pts.push(`${f1(sx(x))} ${f1(sy(y))}`);
    });
    if (pts.length === 0) continue;
    if (pts.length === 1) {
      const [px, py] = pts[0]!.split(" ");
      parts.push(`<circle cx="${px}" cy="${py}" r="3" fill="${l.color}"/>`);
      continue;
    }
    const dash = l.dashed ? ` stroke-dasharray="6 4"` : "";
    parts.push(
      `<path d="M ${pts.join(" L ")}" fill="none" stroke="${l.color}" stroke-width="${l.dashed ? 1.5 : 2}"${dash} stroke-linejoin="round"/>`,
    );
  }
  for (const mk of spec.markers ?? []) {
    if (!Number.isFinite(mk.x)) continue;
    const x = f1(sx(mk.x));
    parts.push(
      `<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="${mk.color}" stroke-width="1.5" stroke-dasharray="2 3"/>`,
    );
    // Anchor the label away from the nearer edge so it is never clipped.
    const anchor = sx(mk.x) > m.left + pw * 0.7 ? "end" : sx(mk.x) < m.left + pw * 0.3 ? "start" : "middle";
    parts.push(
      `<text x="${x}" y="${m.top - 4 + 13 * (mk.row ?? 0)}" ${FONT} font-size="11" fill="${mk.color}" text-anchor="${anchor}">${escapeXml(mk.label)}</text>`,
    );
  }

  if (spec.rug && spec.rug.x.length > 0) {
    // One path of short ticks above the x axis: thousands of events stay one element.
    const ticks = spec.rug.x
      .filter((x) => Number.isFinite(x) && x >= x0 && x <= x1)
      .map((x) => `M ${f1(sx(x))} ${m.top + ph} v -8`);
    if (ticks.length)
      parts.push(
        `<path d="${ticks.join(" ")}" stroke="${spec.rug.color}" stroke-width="1" stroke-opacity="0.7" fill="none"/>`,
      );
  }

  // Legend: one row under the title.
  let lx = m.left;
  for (const l of spec.lines) {
    const dash = l.dashed ? ` stroke-dasharray="6 4"` : "";
    parts.push(`<line x1="${lx}" y1="34" x2="${lx + 18}" y2="34" stroke="${l.color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${lx + 24}" y="38" ${FONT} font-size="11" fill="#333333">${escapeXml(l.label)}</text>`);
    lx += 24 + Math.max(40, l.label.length * 6.2) + 16;
  }
  if (spec.rug && spec.rug.x.length > 0) {
    parts.push(`<line x1="${lx + 9}" y1="30" x2="${lx + 9}" y2="38" stroke="${spec.rug.color}" stroke-width="1.5"/>`);
    parts.push(`<text x="${lx + 24}" y="38" ${FONT} font-size="11" fill="#333333">${escapeXml(spec.rug.label)}</text>`);
  }
  parts.push(`</svg>`);
  return `${parts.join("\n")}\n`;
}

/** X position of each block: its last iteration (memory at the block's end is what grew). */
function blockX(s: StrategyResult): number[] {
  return s.series.lastIteration.slice();
}

const SIGNAL_LABELS: Record<string, string> = {
  gpuProcessBytes: "GPU memory (process)",
  deviceUsedBytes: "GPU memory (device-wide)",
  rssBytes: "host RSS",
};

export function signalLabel(signal: string): string {
  return (
    SIGNAL_LABELS[signal] ??
    signal
      .replace(/Bytes$/, "")
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .toLowerCase()
  );
}

/**
 * One strategy's primary signal: block max as the line, block min..max as the band, the
 * fitted leak slope when the verdict is `leak`, and the out-of-memory point when it ran out.
 * Undefined when the strategy recorded no blocks of that signal.
 */
export function strategyChart(run: ScenarioRunResult, s: StrategyResult): string | undefined {
  const sig = s.series.signals[s.primarySignal];
  if (!sig || sig.max.length === 0) return undefined;
  const x = blockX(s);
  const color = STRATEGY_COLORS[s.strategy] ?? "#333333";
  const lines: ChartLine[] = [
    {
      label: `${s.strategy} ${signalLabel(s.primarySignal)} (block max; band min–max)`,
      color,
      x,
      y: sig.max.map((b) => b / MIB),
      band: { low: sig.min.map((b) => b / MIB), high: sig.max.map((b) => b / MIB) },
    },
  ];
  const leak = primaryLeak(s);
  if (leak?.verdict === "leak" && Number.isFinite(leak.slopeBytesPerIteration)) {
    const fit = slopeLine(x, sig.max, leak.slopeBytesPerIteration, leak.onsetIteration);
    if (fit)
      lines.push({
        label: `leak slope ${slopeText(leak.slopeBytesPerIteration)}`,
        color: "#000000",
        x: fit.x,
        y: fit.y,
        dashed: true,
      });
  }
  const markers: ChartMarker[] = [];
  if (s.state === "oom" && s.oom) markers.push({ x: s.oom.iteration, label: "out of memory", color: "#b00020" });
  const conf = s.confirmation;
  if (conf && conf.replayCalls > 0)
    markers.push({ x: conf.fromIteration, label: "replay of seen shapes →", color: "#555555" });
  const events = s.shapeStats?.events.iteration ?? [];
  const spec: LineChartSpec = {
    title: `${run.key} · ${s.strategy} — ${leak ? leak.verdict : s.state}`,
    xLabel: conf && conf.replayCalls > 0 ? "measured iteration (then replay calls)" : "measured iteration",
    yLabel: `${signalLabel(s.primarySignal)}, MiB`,
    lines,
    markers,
  };
  if (events.length) spec.rug = { x: events, label: "call at a new shape", color: "#6a3d9a" };
  return lineChart(spec);
}

/**
 * The leak line through the points from onset on: the analyser's slope, with the intercept
 * that best fits those points in the median sense (robust to spikes).
 */
function slopeLine(
  x: number[],
  yBytes: number[],
  slopeBytes: number,
  onset?: number,
): { x: number[]; y: number[] } | undefined {
  const from = onset ?? x[0] ?? 0;
  const idx = x.map((_, i) => i).filter((i) => x[i]! >= from && Number.isFinite(yBytes[i]!));
  if (idx.length < 2) return undefined;
  const intercept = median(idx.map((i) => yBytes[i]! - slopeBytes * x[i]!));
  const xa = x[idx[0]!]!;
  const xb = x[idx[idx.length - 1]!]!;
  return { x: [xa, xb], y: [(intercept + slopeBytes * xa) / MIB, (intercept + slopeBytes * xb) / MIB] };
}

/** Every strategy of a run on one chart (block max of each primary signal). */
export function overlayChart(run: ScenarioRunResult): string | undefined {
  const lines: ChartLine[] = [];
  const signals = new Set<string>();
  for (const s of run.strategies) {
    const sig = s.series.signals[s.primarySignal];
    if (!sig || sig.max.length === 0) continue;
    signals.add(s.primarySignal);
    lines.push({
      label: s.strategy,
      color: STRATEGY_COLORS[s.strategy] ?? "#333333",
      x: blockX(s),
      y: sig.max.map((b) => b / MIB),
    });
  }
  if (lines.length === 0) return undefined;
  const yName = signals.size === 1 ? signalLabel([...signals][0]!) : "memory";
  return lineChart({
    title: `${run.key} — all strategies`,
    xLabel: "measured iteration",
    yLabel: `${yName}, MiB`,
    lines,
  });
}
