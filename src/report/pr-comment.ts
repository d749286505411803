/**
 * `vramgate compare --format pr-comment`: one markdown block for a bot to post on a pull
 * request and update in place (it starts with the marker comment `<!-- vramgate -->`, which
 * the bot searches for). Verdict line first, then a compact table base → head (regressions
 * first; a claim a run was too noisy to decide is `inconclusive`, its reason in the details),
 * new leak verdicts, environment differences, and a collapsed <details> section.
 *
 * Always under GitHub's 65,536-character limit on a comment body: rows that do not fit are
 * dropped (least important first: details, then unchanged rows) and counted in a line that
 * says so; every cell is escaped and clipped, so no input can break the table or the page.
 */
import { type Comparison, comparisonCounts, type StrategyComparison } from "../analysis/compare.js";
import { mib, percentChange, rate } from "../format.js";

/** The marker a bot finds its own comment by. */
export const PR_COMMENT_MARKER = "<!-- vramgate -->";
/** GitHub refuses comment bodies longer than this (characters). */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** What the renderer aims under by default (room for a bot's own footer). */
const PR_COMMENT_BUDGET = 60_000;
/** Longest text of one table cell. */
const CELL_MAX = 120;

/** Text safe inside a markdown table cell: no pipes, no HTML, no line breaks, clipped. */
function cell(s: string, max = CELL_MAX): string {
  const flat = s.replace(/[\r\n]+/g, " ");
  const clipped = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return clipped
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|")
    .replace(/`/g, "'");
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "2 regressions, 1 improvement, 14 unchanged" (zero counts left out, except unchanged alone). */
export function verdictLine(c: Comparison): string {
  const k = comparisonCounts(c);
  const parts: string[] = [];
  if (k.regressions) parts.push(plural(k.regressions, "regression", "regressions"));
  if (k.newLeaks) parts.push(plural(k.newLeaks, "new leak", "new leaks"));
  if (k.improvements) parts.push(plural(k.improvements, "improvement", "improvements"));
  if (k.inconclusive) parts.push(`${k.inconclusive} inconclusive`);
  if (k.unchanged || parts.length === 0) parts.push(`${k.unchanged} unchanged`);
  if (k.noData) parts.push(`${k.noData} without data`);
  return parts.join(", ");
}

function rank(s: StrategyComparison): number {
  if (s.throughput.claim === "regression" || s.peakMemory.claim === "increase") return 0;
  if (s.leak.newLeak) return 1;
  if (s.throughput.claim === "improvement" || s.peakMemory.claim === "decrease") return 2;
  if (s.throughput.claim === "inconclusive" || s.peakMemory.claim === "inconclusive") return 3;
  return 4;
}

function mark(s: StrategyComparison): string {
  return ["❌", "⚠️", "✅", "❔", ""][rank(s)]!;
}

function throughputCell(s: StrategyComparison): string {
  const t = s.throughput;
  const rates = `${t.baseItemsPerSecond !== undefined ? rate(t.baseItemsPerSecond) : "—"} → ${t.headItemsPerSecond !== undefined ? rate(t.headItemsPerSecond) : "—"}`;
  return rates;
}

function changeCell(s: StrategyComparison): string {
  const t = s.throughput;
  if (t.ratio === undefined || !t.ratioCi) return t.claim === "no-data" ? "no data" : "—";
  const ci = `${percentChange(t.ratio)} [${percentChange(t.ratioCi[0])}, ${percentChange(t.ratioCi[1])}]`;
  if (t.claim === "within-noise") return ci;
  return t.claim === "inconclusive" ? `${ci} inconclusive` : `**${ci}** ${t.claim}`;
}

function memoryCell(s: StrategyComparison): string {
  const m = s.peakMemory;
  const range = `${m.baseBytes !== undefined ? mib(m.baseBytes) : "—"} → ${m.headBytes !== undefined ? mib(m.headBytes) : "—"}`;
  if (m.ratio === undefined) return range;
  const ch = percentChange(m.ratio);
  if (m.claim === "inconclusive") return `${range} (${ch}, inconclusive)`;
  return m.claim === "increase" || m.claim === "decrease" ? `${range} (**${ch}**)` : `${range} (${ch})`;
}

function leakCell(s: StrategyComparison): string {
  const { base, head, newLeak } = s.leak;
  if (!base && !head) return "—";
  if (base === head) return base ?? "—";
  const text = `${base ?? "—"} → ${head ?? "—"}`;
  return newLeak ? `**${text}**` : text;
}

/** Figures keep their unit on the same line ("−20.9 %" never wraps before "%"). */
const nbsp = (s: string): string => s.replace(/ %/g, "\u00a0%");

function row(s: StrategyComparison): string {
  return `| ${mark(s)} | ${cell(s.run)} | ${cell(s.strategy)} | ${throughputCell(s)} | ${nbsp(changeCell(s))} | ${nbsp(memoryCell(s))} | ${leakCell(s)} |`;
}

const TABLE_HEAD = [
  "| | run | strategy | calls/s base → head | change [95 % CI] | peak MiB base → head | leak verdict |",
  "|---|---|---|--:|---|--:|---|",
];

export interface PrCommentOptions {
  /** Most characters of the whole body; default 60,000 (GitHub's limit is 65,536). */
  maxChars?: number;
  /** Link to the full report (e.g. the workflow run), shown when rows are cut. */
  reportUrl?: string;
  /** Warnings to show next to the environment differences (e.g. fingerprint changes). */
  warnings?: string[];
}

/** The whole comment. Its length never exceeds opts.maxChars (nor GitHub's limit). */
export function renderPrComment(c: Comparison, opts: PrCommentOptions = {}): string {
  const max = Math.min(opts.maxChars ?? PR_COMMENT_BUDGET, GITHUB_COMMENT_LIMIT);
  const regressed = c.strategies.some((s) => rank(s) === 0);
  const icon = regressed ? "❌" : c.strategies.some((s) => rank(s) === 1) ? "⚠️" : "✅";
  const commit = (x: Comparison["base"]): string =>
    x.gitCommit ? `\`${cell(x.gitCommit.slice(0, 7), 12)}\`` : `run ${cell(x.runId, 60)}`;

  const head: string[] = [
    PR_COMMENT_MARKER,
    `### ${icon} vramgate: ${verdictLine(c)}`,
    "",
    `${commit(c.base)} → ${commit(c.head)} · tolerated: throughput −${(c.thresholds.maxRegression * 100).toFixed(0)} %, peak memory +${(c.thresholds.maxMemoryIncrease * 100).toFixed(0)} % · a change is claimed only when its whole 95 % interval clears the tolerance`,
    "",
  ];
  const notes: string[] = [];
  const newLeaks = c.strategies.filter((s) => s.leak.newLeak);
  if (newLeaks.length)
    notes.push(
      `**New leak verdicts**: ${newLeaks.map((s) => `${cell(s.run)} · ${cell(s.strategy)} (${cell(s.leak.base ?? "none")} → leak)`).join(", ")}`,
    );
  if (c.environmentDifferences.length)
    notes.push(
      `**Environment differs** (compared with --force; figures may differ for reasons other than the change): ${c.environmentDifferences.map((d) => cell(d, 200)).join("; ")}`,
    );
  const warnings = [...c.environmentWarnings, ...(opts.warnings ?? [])];
  if (warnings.length)
    notes.push(
      `**Environment warnings** (the figures may move for these reasons): ${warnings.map((w) => cell(w, 300)).join("; ")}`,
    );

  const rows = [...c.strategies].sort((a, b) => rank(a) - rank(b)).map(row);

  const details: string[] = [];
  details.push(`- base: run \`${cell(c.base.runId, 80)}\`, ${cell(c.base.createdAt, 40)}`);
  details.push(`- head: run \`${cell(c.head.runId, 80)}\`, ${cell(c.head.createdAt, 40)}`);
  for (const s of c.strategies) {
    const t = s.throughput;
    const parts = [`rounds ${t.rounds.base} / ${t.rounds.head}`, `memory signal ${cell(s.peakMemory.signal, 40)}`];
    if (t.detectable)
      parts.push(
        `detectable at this noise: ${percentChange(1 - t.detectable.drop)} / ${percentChange(1 + t.detectable.rise)}`,
      );
    if (t.reason) parts.push(`throughput inconclusive: ${cell(t.reason, 300)}`);
    if (s.peakMemory.reason) parts.push(`memory inconclusive: ${cell(s.peakMemory.reason, 300)}`);
    if (s.baseState !== "completed" || s.headState !== "completed") parts.push(`state ${s.baseState} → ${s.headState}`);
    details.push(`- ${cell(s.run)} · ${cell(s.strategy)}: ${parts.join(", ")}`);
  }
  if (c.onlyInBase.length) details.push(`- only in base: ${c.onlyInBase.map((x) => cell(x)).join(", ")}`);
  if (c.onlyInHead.length) details.push(`- only in head: ${c.onlyInHead.map((x) => cell(x)).join(", ")}`);

  const cutLine = (n: number, what: string): string =>
    `_… ${n} more ${what} not shown (GitHub's comment limit)${opts.reportUrl ? `: [full report](${opts.reportUrl.replace(/[()\s]/g, encodeURIComponent)})` : ""}._`;

  // Assemble within the budget: fixed parts, then as many table rows as fit, then details.
  const fixedTail = ["", "<details><summary>Details</summary>", "", "</details>"];
  const reserve = 200; // for the cut lines
  let used = [...head, ...notes, "", ...TABLE_HEAD, ...fixedTail].join("\n").length + reserve;
  if (used > max) {
    // Pathological notes: keep the marker, the verdict and a pointer.
    return [...head.slice(0, 2), "", cutLine(c.strategies.length, "rows")].join("\n").slice(0, max);
  }
  const shownRows: string[] = [];
  for (const r of rows) {
    if (used + r.length + 1 > max) break;
    shownRows.push(r);
    used += r.length + 1;
  }
  const shownDetails: string[] = [];
  for (const d of details) {
    if (used + d.length + 1 > max) break;
    shownDetails.push(d);
    used += d.length + 1;
  }
  const out = [...head, ...notes];
  if (notes.length) out.push("");
  out.push(...TABLE_HEAD, ...shownRows);
  if (shownRows.length < rows.length) out.push("", cutLine(rows.length - shownRows.length, "rows"));
  out.push("", "<details><summary>Details</summary>", "", ...shownDetails);
  if (shownDetails.length < details.length) out.push("", cutLine(details.length - shownDetails.length, "lines"));
  out.push("", "</details>");
  const text = out.join("\n");
  return text.length <= max ? text : text.slice(0, max);
}
