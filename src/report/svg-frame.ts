/**
 * The frame the point charts share (throughput ratios, latency spreads, the sweep's
 * scatter): title, grid, ticks, axis labels, and the scales from data to pixels. Plain SVG
 * 1.1 like svg.ts, so GitHub shows it inside <img>.
 */
import { escapeXml, FONT, niceTicks } from "./svg.js";

export interface Frame {
  parts: string[];
  /** Data → pixel. */
  sx(x: number): number;
  sy(y: number): number;
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface FrameSpec {
  title: string;
  width: number;
  height: number;
  /** Extra left margin for category labels (rows of a horizontal chart). */
  left?: number;
  xLabel: string;
  yLabel: string;
  xRange: [number, number];
  yRange: [number, number];
  /** Category labels instead of numeric ticks on the y axis, at these y values. */
  yCategories?: Array<{ y: number; label: string; color?: string }>;
}

export const r1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** `text` cut to `n` characters with an ellipsis (titles must fit the chart's width). */
export function short(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

function tick(v: number, step: number): string {
  return v.toFixed(Math.max(0, -Math.floor(Math.log10(step))));
}

export function frame(spec: FrameSpec): Frame {
  const m = { left: spec.left ?? 64, right: 24, top: 44, bottom: 44 };
  const pw = spec.width - m.left - m.right;
  const ph = spec.height - m.top - m.bottom;
  const xt = niceTicks(spec.xRange[0], spec.xRange[1], 6);
  const yt = spec.yCategories ? [spec.yRange[0], spec.yRange[1]] : niceTicks(spec.yRange[0], spec.yRange[1], 5);
  const [x0, x1] = [xt[0]!, xt[xt.length - 1]!];
  const [y0, y1] = [yt[0]!, yt[yt.length - 1]!];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y: number) => m.top + ph - ((y - y0) / (y1 - y0 || 1)) * ph;
  const p: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${spec.width}" height="${spec.height}" viewBox="0 0 ${spec.width} ${spec.height}" role="img">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect x="0" y="0" width="${spec.width}" height="${spec.height}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="20" ${FONT} font-size="14" font-weight="bold" fill="#222222">${escapeXml(spec.title)}</text>`,
  ];
  const xStep = xt.length > 1 ? xt[1]! - xt[0]! : 1;
  for (const t of xt) {
    const x = r1(sx(t));
    p.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#eeeeee" stroke-width="1"/>`);
    p.push(
      `<text x="${x}" y="${m.top + ph + 16}" ${FONT} font-size="11" fill="#555555" text-anchor="middle">${tick(t, xStep)}</text>`,
    );
  }
  if (spec.yCategories) {
    for (const c of spec.yCategories)
      p.push(
        `<text x="${m.left - 8}" y="${r1(sy(c.y))}" ${FONT} font-size="11" fill="${c.color ?? "#333333"}" text-anchor="end" dominant-baseline="middle">${escapeXml(c.label)}</text>`,
      );
  } else {
    const yStep = yt.length > 1 ? yt[1]! - yt[0]! : 1;
    for (const t of yt) {
      const y = r1(sy(t));
      p.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#eeeeee" stroke-width="1"/>`);
      p.push(
        `<text x="${m.left - 6}" y="${y}" ${FONT} font-size="11" fill="#555555" text-anchor="end" dominant-baseline="middle">${tick(t, yStep)}</text>`,
      );
    }
  }
  p.push(
    `<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="#888888" stroke-width="1"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}" stroke="#888888" stroke-width="1"/>`,
    `<text x="${m.left + pw / 2}" y="${spec.height - 6}" ${FONT} font-size="12" fill="#333333" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
  );
  if (spec.yLabel)
    p.push(
      `<text x="14" y="${m.top + ph / 2}" ${FONT} font-size="12" fill="#333333" text-anchor="middle" transform="rotate(-90 14 ${r1(m.top + ph / 2)})">${escapeXml(spec.yLabel)}</text>`,
    );
  return { parts: p, sx, sy, left: m.left, top: m.top, width: pw, height: ph };
}

/** The SVG text of a finished frame. */
export function close(f: Frame): string {
  return `${[...f.parts, "</svg>"].join("\n")}\n`;
}
