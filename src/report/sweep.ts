/**
 * A sweep in words and pictures: the table of combinations × strategies, the scatter of
 * peak memory against throughput with the Pareto front marked, and the recommended
 * configuration in one sentence with why. Everything shown was decided by
 * src/analysis/pareto.ts.
 */
import { ci2, mib, rate, times } from "../format.js";
import type { SweepAnalysis, SweepExclusion, SweepPointResult } from "../results/sweep.js";
import { close, frame, r1, short } from "./svg-frame.js";
import { escapeXml, FONT, STRATEGY_COLORS, signalLabel } from "./svg.js";

const MIB = 1024 * 1024;

const STRATEGY_REASONS: Record<string, string> = {
  oom: "ran out of memory",
  "not-completed": "did not complete",
  "no-analysis": "not analysed",
  leak: "leaks",
  inconclusive: "memory verdict undecided",
  "shape-growth-unbounded": "grows per new shape past the memory",
  residual: "leaves memory behind after release",
};

/** Why a point is not recommended, in a few words. */
function sweepExclusionWords(e: SweepExclusion): string {
  switch (e.code) {
    case "strategy":
      return STRATEGY_REASONS[e.reason] ?? e.reason;
    case "max-peak":
      return `peak ${mib(e.peakBytes)} MiB over gate.maxPeakMiB ${e.limitMiB}`;
    case "max-p99":
      return `p99 ${e.p99Ms.toPrecision(3)} ms over gate.maxP99Ms ${e.limitMs}`;
    case "no-figures":
      return "no throughput or peak measured";
  }
}

/** The combination as a reader names it: "fp16 · cudaGraph=true" (precision first). */
function pointLabel(p: SweepPointResult): string {
  return p.combination ? `${p.precision} · ${p.combination}` : p.precision;
}

const ratioText = (p: SweepPointResult): string =>
  p.ratio === undefined ? "—" : `${times(p.ratio)}${p.ratioCi ? ` ${ci2(p.ratioCi)}` : ""}`;

/** "7 over gate.maxP99Ms, 1 leaks": how many points each reason left out (a point may have several). */
function leftOutSummary(points: readonly SweepPointResult[]): string {
  const counts = new Map<string, number>();
  for (const p of points)
    for (const e of p.excluded) {
      const k =
        e.code === "strategy"
          ? (STRATEGY_REASONS[e.reason] ?? e.reason)
          : e.code === "max-peak"
            ? "over gate.maxPeakMiB"
            : e.code === "max-p99"
              ? "over gate.maxP99Ms"
              : "no figures";
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  return [...counts].map(([k, n]) => `${n} ${k}`).join(", ");
}

/** One sentence: what to ship and why (or that nothing qualifies). */
export function sweepSentence(a: SweepAnalysis, code: (s: string) => string = (s) => s): string {
  const out = a.points.filter((p) => p.excluded.length > 0);
  const why = leftOutSummary(out);
  const left = out.length ? `; ${out.length} of ${a.points.length} left out (${why})` : "";
  if (a.recommended === undefined)
    return `No configuration qualifies: all ${a.points.length} combinations × strategies were left out (${why}).`;
  const p = a.points[a.recommended]!;
  const figures = [
    p.ratio !== undefined ? `${ratioText(p)} the reference` : undefined,
    p.peakBytes !== undefined ? `peak ${mib(p.peakBytes)} MiB` : undefined,
    p.p99Ms !== undefined ? `p99 ${p.p99Ms.toPrecision(3)} ms` : undefined,
    `memory ${p.verdict}`,
  ].filter(Boolean);
  const head = `Recommended: ${code(pointLabel(p))} with ${code(p.strategy)} (${figures.join(", ")})`;
  const near = (a.overlapping ?? []).map((i) => a.points[i]!);
  const unsure = near.length
    ? `; not surely faster than ${near
        .slice(0, 3)
        .map((o) => `${code(pointLabel(o))} with ${code(o.strategy)} (${ratioText(o)})`)
        .join(
          ", ",
        )}${near.length > 3 ? ` and ${near.length - 3} more` : ""}: the intervals overlap, more rounds or longer runs would decide`
    : "";
  if (a.rankedBy === "least-memory" && a.fastest !== undefined) {
    const f = a.points[a.fastest]!;
    const saved = (f.peakBytes ?? 0) - (p.peakBytes ?? 0);
    return `${head}: as fast as the fastest eligible, ${code(pointLabel(f))} with ${code(f.strategy)} (${ratioText(f)}), within noise, with ${mib(saved)} MiB less peak memory${unsure}${left}.`;
  }
  if (a.rankedBy === "only") return `${head}: the only combination left${left}.`;
  return `${head}: the fastest that passes the gates and does not leak${unsure}${left}.`;
}

/**
 * The drift line: what the reference's repeat at the end measured and what it did to the
 * ratios, or that drift was not measured. Undefined when every point is of one run (nothing
 * compared across runs). `brief`: the terminal's shorter form.
 */
export function driftSentence(a: SweepAnalysis, brief = false): string | undefined {
  if (new Set(a.points.map((p) => p.run)).size < 2) return undefined;
  const d = a.drift;
  if (!d)
    return brief
      ? "Drift: not measured (no repeat of the reference ran); ratios between combinations are not interleaved."
      : "Drift: not measured (no repeat of the reference ran): ratios between combinations come from runs made one after another, not interleaved, and their intervals do not include drift between runs (clocks, thermals, other load); within a combination strategies are interleaved.";
  const spread = Math.max(Math.abs(1 - d.ci[0]), Math.abs(d.ci[1] - 1), Math.abs(1 - d.ratio));
  const pct = Number.isFinite(spread) ? `±${Math.max(1, Math.round(spread * 100))} %` : "an unbounded share";
  const figure = `${times(d.ratio)} ${ci2(d.ci)}`;
  return brief
    ? `Drift: the reference re-run last measured ${figure} its first run; ratios between combinations widened by it (${pct}).`
    : `Drift: the reference re-run at the end measured ${figure} its first run: ratios between combinations carry ${pct} from run order (widened below); within a combination strategies are interleaved.`;
}

/** Markdown lines of one sweep (sentence, scatter, table); `chart` is the scatter's link when charts are written. */
export function sweepMarkdown(a: SweepAnalysis, chart: string | undefined, cell: (s: string) => string): string[] {
  const code = (s: string) => `\`${s}\``;
  const limits = [
    a.limits.maxPeakMiB !== undefined ? `gate.maxPeakMiB ${a.limits.maxPeakMiB}` : undefined,
    a.limits.maxP99Ms !== undefined ? `gate.maxP99Ms ${a.limits.maxP99Ms}` : undefined,
  ].filter(Boolean);
  const signal = signalLabel(a.points[0]?.primarySignal ?? "");
  const lines = [
    `## Sweep: ${a.scenario} · shapes \`${a.sequence}\``,
    "",
    `Axes: ${a.axes.map(code).join(", ")}. Throughput is × the reference, ${code(a.reference.run)} ${code(a.reference.strategy)} (median calls/s over rounds, 95 % bootstrap interval over both runs' rounds${a.drift ? ", widened by the drift for points of other runs than the reference's" : ""}). Peak: ${signal}. ${limits.length ? `Limits: ${limits.join(", ")}.` : "No memory or latency limit set."} ◆: on the Pareto front (no other point is at least as fast, or within noise of it, with no more memory).`,
    "",
    ...[driftSentence(a)].filter((x): x is string => x !== undefined).flatMap((x) => [x, ""]),
    `**${sweepSentence(a, code)}**`,
    "",
    ...(chart ? [`![${a.scenario}: peak memory against throughput, Pareto front marked](${chart})`, ""] : []),
    "| # | combination | strategy | calls/s | × reference [95 % CI] | p99 ms | peak MiB | verdict | front | left out because |",
    "|--:|---|---|--:|---|--:|--:|---|:-:|---|",
  ];
  a.points.forEach((p, i) => {
    const mark = i === a.recommended ? " ★" : "";
    lines.push(
      `| ${i + 1} | ${cell(pointLabel(p))}${mark} | ${p.strategy} | ${p.itemsPerSecond !== undefined ? rate(p.itemsPerSecond) : "—"} | ${ratioText(p)} | ${p.p99Ms !== undefined ? p.p99Ms.toPrecision(3) : "—"} | ${p.peakBytes !== undefined ? mib(p.peakBytes) : "—"} | ${p.verdict} | ${p.front ? "◆" : ""} | ${cell(p.excluded.map(sweepExclusionWords).join("; ") || "—")} |`,
    );
  });
  lines.push("");
  return lines;
}

/** The data's range with 8 % room each side (a single value gets ±5 %), not below 0 for data that is not. */
function padded(v: number[]): [number, number] {
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.abs(hi) * 0.05 || 1;
  // Throughput and memory are never negative: no axis below 0.
  return [lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad];
}

/** Scatter of peak memory (MiB) against throughput (× reference), front joined and marked, recommendation ringed. */
export function paretoChart(a: SweepAnalysis): string | undefined {
  const pts = a.points
    .map((p, i) => ({ p, i, x: p.ratio ?? Number.NaN, y: (p.peakBytes ?? Number.NaN) / MIB }))
    .filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y));
  if (pts.length === 0) return undefined;
  const ys = pts.map((q) => q.y);
  // The gate line is drawn when it is near the points; far above them it would squash them
  // into a strip at the bottom, so it is named at the top edge instead.
  const gate = a.limits.maxPeakMiB;
  const gateInRange = gate !== undefined && gate <= 2 * Math.max(...ys);
  if (gateInRange) ys.push(gate);
  // Whiskers: each point's ratio interval (widened by drift where measured) belongs on the x-axis.
  const xs = pts.flatMap((q) => [q.x, ...(q.p.ratioCi ?? [])].filter(Number.isFinite));
  const f = frame({
    title: `${short(a.scenario, 48)}: peak memory vs throughput (${pts.length} points; numbers as in the table)`,
    width: 760,
    height: 440,
    xLabel: `throughput × reference (${a.reference.strategy} of the first combination)`,
    yLabel: `peak ${signalLabel(a.points[0]?.primarySignal ?? "")}, MiB`,
    xRange: padded(xs),
    yRange: padded(ys),
  });
  if (gate !== undefined && gateInRange) {
    const y = r1(f.sy(gate));
    f.parts.push(
      `<line x1="${f.left}" y1="${y}" x2="${f.left + f.width}" y2="${y}" stroke="#b00020" stroke-width="1" stroke-dasharray="5 4"/>`,
      `<text x="${f.left + f.width - 4}" y="${r1(f.sy(gate) - 4)}" ${FONT} font-size="11" fill="#b00020" text-anchor="end">gate.maxPeakMiB ${gate}</text>`,
    );
  } else if (gate !== undefined) {
    f.parts.push(
      `<text x="${f.left + f.width - 4}" y="${r1(f.top + 12)}" ${FONT} font-size="11" fill="#b00020" text-anchor="end">gate.maxPeakMiB ${gate}: above the chart</text>`,
    );
  }
  for (const q of pts) {
    const ci = q.p.ratioCi;
    if (!ci || !Number.isFinite(ci[0]) || !Number.isFinite(ci[1])) continue;
    const cy = r1(f.sy(q.y));
    const [x0, x1] = [r1(f.sx(ci[0])), r1(f.sx(ci[1]))];
    f.parts.push(
      `<path d="M ${x0} ${cy} L ${x1} ${cy} M ${x0} ${r1(f.sy(q.y) - 4)} L ${x0} ${r1(f.sy(q.y) + 4)} M ${x1} ${r1(f.sy(q.y) - 4)} L ${x1} ${r1(f.sy(q.y) + 4)}" stroke="${STRATEGY_COLORS[q.p.strategy]}" stroke-opacity="0.45" stroke-width="1.2" fill="none"/>`,
    );
  }
  const front = pts.filter((q) => q.p.front).sort((u, v) => u.x - v.x);
  if (front.length > 1)
    f.parts.push(
      `<path d="M ${front.map((q) => `${r1(f.sx(q.x))} ${r1(f.sy(q.y))}`).join(" L ")}" fill="none" stroke="#444444" stroke-width="1.5" stroke-dasharray="6 3"/>`,
    );
  for (const q of pts) {
    const [cx, cy] = [r1(f.sx(q.x)), r1(f.sy(q.y))];
    const color = STRATEGY_COLORS[q.p.strategy];
    const out = q.p.excluded.length > 0;
    f.parts.push(
      q.p.front
        ? `<path d="M ${cx} ${r1(f.sy(q.y) - 7)} L ${r1(f.sx(q.x) + 7)} ${cy} L ${cx} ${r1(f.sy(q.y) + 7)} L ${r1(f.sx(q.x) - 7)} ${cy} Z" fill="${out ? "#ffffff" : color}" stroke="${color}" stroke-width="2"/>`
        : `<circle cx="${cx}" cy="${cy}" r="5" fill="${out ? "#ffffff" : color}" stroke="${color}" stroke-width="2"/>`,
    );
    if (q.i === a.recommended)
      f.parts.push(`<circle cx="${cx}" cy="${cy}" r="12" fill="none" stroke="#111111" stroke-width="2"/>`);
    f.parts.push(
      `<text x="${r1(f.sx(q.x) + 8)}" y="${r1(f.sy(q.y) - 8)}" ${FONT} font-size="11" font-weight="${q.p.front ? "bold" : "normal"}" fill="#222222">${q.i + 1}</text>`,
    );
  }
  // Legend: strategies present, then the marks.
  let lx = f.left;
  for (const s of [...new Set(pts.map((q) => q.p.strategy))]) {
    f.parts.push(
      `<circle cx="${lx + 5}" cy="34" r="5" fill="${STRATEGY_COLORS[s]}"/>`,
      `<text x="${lx + 14}" y="38" ${FONT} font-size="11" fill="#333333">${escapeXml(s)}</text>`,
    );
    lx += 24 + s.length * 6.5;
  }
  f.parts.push(
    `<text x="${lx + 6}" y="38" ${FONT} font-size="11" fill="#333333">◆ front · ○ hollow: left out · ring: recommended · bars: 95 % interval</text>`,
  );
  return close(f);
}
