/**
 * The markdown report: verdict first, then one section per scenario run (table,
 * explanations, recommendation, charts), the comparison with a baseline, the environment.
 * GitHub-flavoured markdown; charts are separate SVG files linked by relative path.
 */
import { isDeviceSignal } from "../analysis/figures.js";
import { basename, dirname, join } from "node:path";
import type { Comparison } from "../analysis/compare.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import type { GateOutcome } from "../results/verdicts.js";
import { gpuType } from "../results/merge.js";
import type { Environment, ResultsFile, ScenarioRunResult, StrategyResult } from "../results/types.js";
import { MIB, formatCount, mib, percentChange, rate, sentence, sig3 } from "../format.js";
import { medianRate, primaryLeak, residualAfter, residualBytes } from "../analysis/figures.js";
import { DETECTABLE_NOTE, ratioWithCi, throughputClaim, timeToOom, verdictSlope } from "./phrases.js";
import { exclusionWords, recommendationWords } from "./recommend.js";
import { overlayChart, signalLabel, strategyChart } from "./svg.js";
import { layerChart, layerMarkdown } from "./layers.js";
import { paretoChart, sweepMarkdown } from "./sweep.js";
import { latencyChart, throughputChart } from "./throughput-chart.js";
import { allocationMarkdown } from "./allocation-sites.js";
import { runGpuSection } from "./gpus.js";
import {
  TAX_HEAD,
  comparisonCell,
  confirmationSentence,
  hasShapeGrowthData,
  sequenceComparisons,
  shapeAdvice,
  shapeSentence,
  taxRows,
} from "./shapes.js";

export interface MarkdownOptions {
  /** Folder of the chart files as linked from the markdown (relative to the .md). */
  chartDir: string;
  /** Comparison with a baseline results file, shown in its own section. */
  comparison?: Comparison;
  /** false: leave chart images out (GitHub step summaries cannot show local files). Default true. */
  charts?: boolean;
}

export interface RenderedReport {
  markdown: string;
  /** Chart files to write into chartDir. */
  charts: Array<{ file: string; svg: string }>;
}

/** Comments around each run's chart block (invisible in rendered markdown). */
export const CHARTS_BEGIN = "<!-- vramgate:charts -->";
export const CHARTS_END = "<!-- /vramgate:charts -->";

/** A table cell: pipes escaped, line breaks flattened. */
function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function row(cells: string[]): string {
  return `| ${cells.map(cell).join(" | ")} |`;
}

/** File-name-safe slug of a run key: "resnet/random/fp16" → "resnet-random-fp16". */
function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "run";
}

function link(dir: string, file: string): string {
  return encodeURI(dir ? `${dir.replace(/\/+$/, "")}/${file}` : file);
}

const STATUS_LABEL: Record<GateOutcome["status"], string> = { fail: "FAIL", warn: "WARN", pass: "pass" };

function gateLine(o: GateOutcome): string {
  const where = o.run ? ` \`${o.run}\`` : "";
  return `- **${STATUS_LABEL[o.status]}** ${o.gate}${where}: ${o.message}`;
}

function verdictSection(results: ResultsFile, outcomes: readonly GateOutcome[]): string[] {
  const failed = outcomes.filter((o) => o.status === "fail");
  const warned = outcomes.filter((o) => o.status === "warn");
  const passed = outcomes.length - failed.length - warned.length;
  const lines: string[] = [];
  lines.push(`# vramgate: ${failed.length ? "FAIL" : "PASS"}`, "");
  const nStrategies = results.runs.reduce((n, r) => n + r.strategies.length, 0);
  const tally = failed.length
    ? `**${failed.length} of ${outcomes.length} gates failed**, ${warned.length} warned, ${passed} passed`
    : `**All ${outcomes.length} gates hold**${warned.length ? ` (${warned.length} warned)` : ""}`;
  lines.push(
    `${tally} · run \`${results.runId}\` · ${nStrategies} strategies in ${results.runs.length} scenario run${results.runs.length === 1 ? "" : "s"}`,
    "",
  );
  if (results.state === "aborted")
    lines.push("> Run **aborted** (interrupted): the figures cover what was gathered before the stop.", "");
  for (const o of [...failed, ...warned]) lines.push(gateLine(o));
  if (failed.length || warned.length) lines.push("");
  return lines;
}

function stateText(s: StrategyResult): string {
  if (s.state === "oom" && s.oom) return `oom at ${formatCount(s.oom.iteration)}`;
  if (s.state !== "completed" && s.error?.iteration !== undefined)
    return `${s.state} at ${formatCount(s.error.iteration)}`;
  return s.state;
}

function strategyRow(run: ScenarioRunResult, s: StrategyResult): string {
  const isBase = s.strategy === run.baseline;
  const t = (run.throughput ?? []).find((x) => x.strategy === s.strategy);
  const itemsPerSecond = medianRate(s.rounds);
  const leak = primaryLeak(s);
  const peak = s.peakBytes[s.primarySignal];
  const residual = residualBytes(s);
  const lat = s.latency;
  return row([
    isBase ? `**${s.strategy}** (baseline)` : `**${s.strategy}**`,
    stateText(s),
    itemsPerSecond !== undefined ? rate(itemsPerSecond) : "—",
    isBase ? "1.00× (baseline)" : t ? ratioWithCi(t) : "—",
    lat ? `${sig3(lat.p50Ms)} / ${sig3(lat.p99Ms)}` : "—",
    typeof peak === "number" ? mib(peak) : "—",
    leak ? verdictSlope(leak) : "—",
    leak ? (leak.verdict === "leak" ? "**leak**" : leak.verdict) : "not analysed",
    s.state === "oom" && s.oom ? `ran out at ${formatCount(s.oom.iteration)}` : timeToOom(leak),
    residual === undefined ? "—" : residualAfter(s) === "exit" ? `${mib(residual)} (after exit)` : mib(residual),
  ]);
}

function explanationLines(s: StrategyResult): string[] {
  const lines: string[] = [];
  const leaks = s.analysis?.leak ?? {};
  const primary = leaks[s.primarySignal];
  if (s.state !== "completed") {
    const parts = [`**${s.strategy}** ${stateText(s)} after ${formatCount(s.iterations)} measured iterations`];
    if (s.error?.message) parts.push(`: ${s.error.message}`);
    if (s.oom) parts.push(` (${mib(s.oom.usedBytes)} MiB in use)`);
    lines.push(
      `- ${parts.join("")}.${s.error?.lastExchange ? ` Last exchange: \`${s.error.lastExchange.replace(/`/g, "'")}\`` : ""}`,
    );
  }
  if (primary) lines.push(`- **${s.strategy}** — ${signalLabel(s.primarySignal)}: ${sentence(primary.explanation)}`);
  for (const [signal, a] of Object.entries(leaks)) {
    // Only what adds to the primary verdict: a secondary signal that agrees says nothing new.
    if (signal === s.primarySignal || a.verdict === "flat" || a.verdict === primary?.verdict) continue;
    lines.push(`- **${s.strategy}** — ${signalLabel(signal)} (secondary): ${a.verdict}; ${sentence(a.explanation)}`);
  }
  const r = s.residual;
  if (r && (r.afterReleaseBytes !== undefined || r.afterExitDeviceBytes !== undefined)) {
    const parts: string[] = [];
    if (r.afterReleaseBytes !== undefined) {
      const host = isDeviceSignal(s.primarySignal)
        ? ""
        : " (host RSS: allocators often keep freed pages, so this is an upper bound)";
      parts.push(`${mib(r.afterReleaseBytes)} MiB not returned after release${host}`);
    }
    if (r.afterExitDeviceBytes !== undefined)
      parts.push(`${mib(r.afterExitDeviceBytes)} MiB device-wide after the process exited`);
    lines.push(`- **${s.strategy}** residual: ${parts.join("; ")}.`);
  }
  return lines;
}

/** The dynamic-shape tax, where growth came from, and how replay confirmed the verdicts. */
function shapeSection(run: ScenarioRunResult): string[] {
  const lines: string[] = [];
  const rows = taxRows(run);
  const confirmations = run.strategies
    .map((s) => [s, confirmationSentence(s)] as const)
    .filter(([, t]) => t !== undefined);
  if (!rows.length && !confirmations.length) return lines;
  lines.push("### Dynamic shapes", "");
  if (rows.length && hasShapeGrowthData(run)) {
    lines.push(
      "Calls at a shape fed for the first time vs calls at a shape seen before (memory from the primary signal; latency per call).",
      "",
    );
    lines.push(row(TAX_HEAD), "|---|--:|--:|--:|---|---|---|");
    for (const r of rows)
      lines.push(
        row([`**${r.strategy}**`, r.newCalls, r.newLatency, r.repeatLatency, r.slower, r.perShape, r.repeats]),
      );
    lines.push("");
    for (const s of run.strategies) {
      const t = shapeSentence(run, s);
      if (t) lines.push(`- **${s.strategy}**: ${sentence(t)}`);
    }
    lines.push("");
  }
  if (confirmations.length) {
    for (const [s, t] of confirmations) lines.push(`- **${s.strategy}** confirmation: ${sentence(t!)}`);
    lines.push("");
  }
  const advice = shapeAdvice(run);
  if (advice) lines.push(advice, "");
  return lines;
}

/** Runs of one scenario that differ only in their shape sequence (e.g. raw vs bucketed), side by side. */
function sequenceSection(results: ResultsFile): string[] {
  const lines: string[] = [];
  for (const c of sequenceComparisons(results)) {
    lines.push(`## Shape sequences compared: ${c.scenario} · ${c.precision}`, "");
    lines.push(
      "Median calls/s over rounds and peak memory per sequence; each sequence is a separate run (not interleaved with the others), so ratios carry the drift between runs.",
      "",
    );
    lines.push(
      row(["strategy", ...c.sequences.map((q) => `\`${q}\``)]),
      `|---|${c.sequences.map(() => "---").join("|")}|`,
    );
    for (const r of c.rows)
      lines.push(row([`**${r.strategy}**`, ...r.cells.map((cell, i) => comparisonCell(cell, r.cells[0]!, i === 0))]));
    lines.push("");
  }
  return lines;
}

function recommendationLine(run: ScenarioRunResult): string {
  const rec = run.recommendation;
  if (!rec) return "";
  const excluded = rec.excluded.length
    ? ` Excluded: ${rec.excluded.map((e) => `\`${e.strategy}\` (${exclusionWords(e)})`).join(", ")}.`
    : "";
  if (!rec.strategy) return `**No recommendation**: every strategy was excluded.${excluded}`;
  // Words from recommend.ts: what it is ranked by, what it cannot tell apart, and what was
  // measured of its memory (never "the fastest" or "leaves nothing behind" unless shown).
  const why = recommendationWords(run, rec, { code: (s) => `\`${s}\`` }).join(" ");
  return `**Recommendation: \`${rec.strategy}\`** — ${why}${excluded}`;
}

function runSection(run: ScenarioRunResult, opts: MarkdownOptions, charts: RenderedReport["charts"]): string[] {
  const lines: string[] = [];
  lines.push(`## ${run.key}`, "");
  const model = run.model.path
    ? `\`${run.model.path}\` (sha256 \`${run.model.sha256.slice(0, 12)}\`${run.model.generated ? `, generated: ${run.model.generated}` : ""})`
    : "loaded by the worker";
  const signals = [...new Set(run.strategies.map((s) => signalLabel(s.primarySignal)))].join(", ");
  lines.push(
    `${run.engine} · ${run.precision} · shapes \`${run.sequence}\` · baseline \`${run.baseline}\` · scenario \`${run.file}\` · model ${model} · memory: ${signals}`,
    "",
  );
  lines.push(
    row([
      "strategy",
      "state",
      "calls/s",
      `× ${run.baseline} [95 % CI]`,
      "p50 / p99 ms",
      "peak MiB",
      "slope [95 % CI]",
      "verdict",
      "time to OOM",
      "residual MiB",
    ]),
    "|---|---|--:|---|--:|--:|---|---|---|--:|",
  );
  for (const s of run.strategies) lines.push(strategyRow(run, s));
  lines.push("");
  const expl = run.strategies.flatMap(explanationLines);
  if (expl.length) lines.push(...expl, "");
  lines.push(...shapeSection(run));
  lines.push(...layerMarkdown(run));
  lines.push(...allocationMarkdown(run));
  const rec = recommendationLine(run);
  if (rec) lines.push(rec, "");

  if (opts.charts === false) return lines;
  const base = slug(run.key);
  const overlay = overlayChart(run);
  const perStrategy: Array<{ name: string; file: string }> = [];
  for (const s of run.strategies) {
    const svg = strategyChart(run, s);
    if (!svg) continue;
    const file = `${base}-${slug(s.strategy)}.svg`;
    charts.push({ file, svg });
    perStrategy.push({ name: s.strategy, file });
  }
  const layerFiles: Array<{ name: string; file: string }> = [];
  for (const s of run.strategies) {
    const svg = layerChart(run, s);
    if (!svg) continue;
    const file = `${base}-${slug(s.strategy)}-layers.svg`;
    charts.push({ file, svg });
    layerFiles.push({ name: s.strategy, file });
  }
  // Marked so CI outputs (step summaries cannot show local images) can cut the block out.
  if (overlay || perStrategy.length || layerFiles.length) lines.push(CHARTS_BEGIN, `### Memory over iterations`, "");
  if (overlay) {
    const file = `${base}-overlay.svg`;
    charts.push({ file, svg: overlay });
    lines.push(`![${run.key}: memory of all strategies over iterations](${link(opts.chartDir, file)})`, "");
  }
  if (perStrategy.length) {
    lines.push(
      `<details><summary>Per strategy (line: block max; band: block min–max; dashed: fitted leak slope)</summary>`,
      "",
    );
    for (const p of perStrategy)
      lines.push(`![${run.key} ${p.name}: memory over iterations](${link(opts.chartDir, p.file)})`, "");
    lines.push(`</details>`, "");
  }
  if (layerFiles.length) {
    lines.push(`<details><summary>Memory layers per strategy (one iteration axis)</summary>`, "");
    for (const p of layerFiles)
      lines.push(`![${run.key} ${p.name}: memory layers over iterations](${link(opts.chartDir, p.file)})`, "");
    lines.push(`</details>`, "");
  }
  if (overlay || perStrategy.length || layerFiles.length) lines.push(CHARTS_END, "");
  lines.push(...throughputCharts(run, base, opts.chartDir, charts));
  return lines;
}

/** Throughput × baseline with CI whiskers and the latency spread, one row per strategy. */
function throughputCharts(
  run: ScenarioRunResult,
  base: string,
  dir: string,
  charts: RenderedReport["charts"],
): string[] {
  const made = [
    {
      svg: throughputChart(run),
      file: `${base}-throughput.svg`,
      alt: "throughput per strategy × the baseline, 95 % CI",
    },
    { svg: latencyChart(run), file: `${base}-latency.svg`, alt: "latency per call per strategy" },
  ].filter((c): c is { svg: string; file: string; alt: string } => c.svg !== undefined);
  if (made.length === 0) return [];
  const lines = [CHARTS_BEGIN, "### Throughput and latency", ""];
  for (const c of made) {
    charts.push({ file: c.file, svg: c.svg });
    lines.push(`![${run.key}: ${c.alt}](${link(dir, c.file)})`, "");
  }
  return [...lines, CHARTS_END, ""];
}

/** Each sweep: sentence, table of combinations × strategies, and the Pareto scatter. */
function sweepSections(results: ResultsFile, opts: MarkdownOptions, charts: RenderedReport["charts"]): string[] {
  return (results.sweeps ?? []).flatMap((a) => {
    const svg = opts.charts === false ? undefined : paretoChart(a);
    const file = `sweep-${slug(`${a.scenario}-${a.sequence}`)}-pareto.svg`;
    if (svg) charts.push({ file, svg });
    return sweepMarkdown(a, svg ? link(opts.chartDir, file) : undefined, cell);
  });
}

function comparisonSection(c: Comparison): string[] {
  const lines: string[] = [];
  const commit = c.base.gitCommit ? ` (commit \`${c.base.gitCommit.slice(0, 7)}\`)` : "";
  lines.push(`## Compared with baseline \`${c.base.runId}\`${commit}`, "");
  lines.push(
    `Throughput: median per-round calls/s, this run ÷ baseline, 95 % bootstrap interval; a regression needs the whole interval below −${(c.thresholds.maxRegression * 100).toFixed(0)} %. ` +
      `Peak memory: an increase past +${(c.thresholds.maxMemoryIncrease * 100).toFixed(0)} %.`,
    "",
  );
  if (c.environmentDifferences.length)
    lines.push(`> Compared with --force although the environments differ: ${c.environmentDifferences.join("; ")}.`, "");
  lines.push(
    row([
      "run",
      "strategy",
      "calls/s baseline → this run",
      "change [95 % CI]",
      "throughput",
      "peak MiB baseline → this run",
      "change",
      "memory",
    ]),
    "|---|---|--:|---|---|--:|--:|---|",
  );
  for (const s of c.strategies) {
    const t = s.throughput;
    const m = s.peakMemory;
    const rates = `${t.baseItemsPerSecond !== undefined ? rate(t.baseItemsPerSecond) : "—"} → ${t.headItemsPerSecond !== undefined ? rate(t.headItemsPerSecond) : "—"}`;
    const change =
      t.ratio !== undefined && t.ratioCi
        ? `${percentChange(t.ratio)} [${percentChange(t.ratioCi[0])}, ${percentChange(t.ratioCi[1])}]`
        : "—";
    const peaks = `${m.baseBytes !== undefined ? mib(m.baseBytes) : "—"} → ${m.headBytes !== undefined ? mib(m.headBytes) : "—"}`;
    const mChange = m.ratio !== undefined ? percentChange(m.ratio) : "—";
    const bold = (claim: string, bad: boolean): string => (bad ? `**${claim}**` : claim);
    lines.push(
      row([
        `\`${s.run}\``,
        s.strategy,
        rates,
        change,
        bold(throughputClaim(t), t.claim === "regression"),
        peaks,
        mChange,
        bold(m.claim, m.claim === "increase"),
      ]),
    );
  }
  lines.push("");
  if (c.strategies.some((s) => s.throughput.claim === "within-noise" && s.throughput.detectable))
    lines.push(`${DETECTABLE_NOTE[0]!.toUpperCase()}${DETECTABLE_NOTE.slice(1)}`, "");
  if (c.onlyInBase.length) lines.push(`Only in the baseline: ${c.onlyInBase.map((k) => `\`${k}\``).join(", ")}.`, "");
  if (c.onlyInHead.length) lines.push(`Only in this run: ${c.onlyInHead.map((k) => `\`${k}\``).join(", ")}.`, "");
  return lines;
}

function environmentSection(results: ResultsFile): string[] {
  const e: Environment = results.environment;
  const lines = ["## Environment", "", "| component | version / value |", "|---|---|"];
  const gpus = e.gpus.length
    ? e.gpus.map((g) => `${g.index}: ${g.name} (${formatCount(g.totalBytes / MIB)} MiB)`).join("; ")
    : "none";
  const driver = e.driverVersion ?? e.gpus[0]?.driverVersion;
  const addon = e.addon.loaded
    ? `loaded (NVML ${e.addon.nvml ? "yes" : "no"}, CUDA runtime ${e.addon.cudaRuntime ? "yes" : "no"})${e.addon.reason ? `: ${e.addon.reason}` : ""}`
    : `not loaded${e.addon.reason ? `: ${e.addon.reason}` : ""}`;
  const engines =
    Object.entries(e.engines)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "—";
  const rows: Array<[string, string]> = [
    ["GPU", gpus],
    ["driver / CUDA", `${driver ?? "—"} / ${e.cudaVersion ?? "—"}`],
    ["engines", engines],
    ["CPU", `${e.cpu} × ${e.cpuCount}`],
    ["host memory", `${(e.totalMemoryBytes / 1024 ** 3).toFixed(0)} GiB`],
    ["OS", `${e.os} (kernel ${e.kernel})`],
    ["Node / vramgate", `${e.node} / ${e.vramgate}`],
    ["native addon", addon],
    ["git commit", e.gitCommit ? `\`${e.gitCommit.slice(0, 12)}\`` : "—"],
    ["host", e.hostname],
    ["command", `\`vramgate ${results.argv.join(" ").replace(/`/g, "'")}\``],
    ["started / finished", `${results.createdAt} / ${results.finishedAt ?? "—"}`],
  ];
  for (const [k, v] of rows) lines.push(row([k, v]));
  lines.push("", ...runGpuSection(results));
  return lines;
}

/**
 * A merged file (`vramgate merge`): the files it came from, and when its runs were measured
 * on different GPU types, one section per type with its runs and their gates.
 */
function mergeSection(results: ResultsFile, outcomes: readonly GateOutcome[]): string[] {
  const from = results.mergedFrom;
  if (!from?.length) return [];
  const lines = [`## Merged from ${from.length} file${from.length === 1 ? "" : "s"}`, ""];
  lines.push(row(["file", "host", "shard", "runs"]), "|---|---|---|---|");
  for (const f of from)
    lines.push(
      row([
        `\`${basename(f.file)}\``,
        f.hostname,
        f.shard ? `${f.shard.index}/${f.shard.count}` : "—",
        // A model zoo's shard holds dozens of runs: their keys are in the sections above.
        f.runs.length === 0
          ? "none"
          : f.runs.length <= 8
            ? f.runs.map((k) => `\`${k}\``).join(", ")
            : `${formatCount(f.runs.length)} runs`,
      ]),
    );
  lines.push("");
  const byType = new Map<string, ScenarioRunResult[]>();
  for (const run of results.runs) {
    const type = run.origin ? gpuType(run.origin.gpus) : "unknown";
    byType.set(type, [...(byType.get(type) ?? []), run]);
  }
  if (byType.size < 2) return lines;
  for (const [type, runs] of byType) {
    lines.push(
      `## Runs on ${type}`,
      "",
      row(["run", "host", "GPU", "failed", "warned", "passed"]),
      "|---|---|---|---|---|---|",
    );
    for (const run of runs) {
      const mine = outcomes.filter((o) => o.run === run.key);
      const n = (status: GateOutcome["status"]) => String(mine.filter((o) => o.status === status).length);
      const gpus = run.origin?.gpus.map((g) => `${g.index}${g.uuid ? ` (${g.uuid})` : ""}`).join(", ") || "—";
      lines.push(row([`\`${run.key}\``, run.origin?.hostname ?? "—", gpus, n("fail"), n("warn"), n("pass")]));
    }
    lines.push("");
  }
  return lines;
}

function allGatesSection(outcomes: readonly GateOutcome[]): string[] {
  if (!outcomes.length) return [];
  const lines = [
    `<details><summary>All ${outcomes.length} gate outcomes</summary>`,
    "",
    row(["status", "gate", "run", "strategy", "measured vs threshold"]),
    "|---|---|---|---|---|",
  ];
  for (const o of outcomes)
    lines.push(row([STATUS_LABEL[o.status], o.gate, o.run ?? "—", o.strategy ?? "—", o.message]));
  lines.push("", "</details>", "");
  return lines;
}

export function renderMarkdown(
  results: ResultsFile,
  outcomes: readonly GateOutcome[],
  opts: MarkdownOptions,
): RenderedReport {
  const charts: RenderedReport["charts"] = [];
  const lines: string[] = [...verdictSection(results, outcomes)];
  lines.push(...sweepSections(results, opts, charts));
  for (const run of results.runs) lines.push(...runSection(run, opts, charts));
  lines.push(...sequenceSection(results));
  if (opts.comparison) lines.push(...comparisonSection(opts.comparison));
  lines.push(...mergeSection(results, outcomes));
  lines.push(...environmentSection(results));
  lines.push(...allGatesSection(outcomes));
  const markdown = lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd();
  return { markdown: `${markdown}\n`, charts };
}

/**
 * Write `<run>.md` next to the results JSON (`<run>.json`) and its charts into
 * `<run>-charts/` beside it; every file is written atomically. Returns the markdown's path.
 */
export function writeReport(
  resultsPath: string,
  results: ResultsFile,
  outcomes: readonly GateOutcome[],
  opts: { comparison?: Comparison } = {},
): string {
  const dir = dirname(resultsPath);
  const stem = basename(resultsPath).replace(/\.json$/i, "");
  const chartDirName = `${stem}-charts`;
  const renderOpts: MarkdownOptions = { chartDir: chartDirName };
  if (opts.comparison) renderOpts.comparison = opts.comparison;
  const { markdown, charts } = renderMarkdown(results, outcomes, renderOpts);
  const chartDir = join(dir, chartDirName);
  for (const c of charts) writeFileAtomic(join(chartDir, c.file), c.svg, { what: "a report chart (SVG)" });
  const markdownPath = join(dir, `${stem}.md`);
  writeFileAtomic(markdownPath, markdown, { what: "the markdown report" });
  return markdownPath;
}
