/**
 * `vramgate compare BASE.json HEAD.json`: throughput and peak-memory change per scenario
 * run and strategy. Exit 0 when nothing regressed past the thresholds, 1 when something
 * did, 2 on bad input (unreadable file, invalid JSON, wrong schema, incomparable
 * environments without --force).
 */
import Table from "cli-table3";
import type { CommandModule } from "yargs";
import { compareResults, regressions, type Comparison } from "../analysis/compare.js";
import { readResultsFile } from "../results/read.js";
import { DETECTABLE_NOTE, throughputClaim } from "../report/phrases.js";
import { mib, percentChange, rate } from "../format.js";
import { renderPrComment, type PrCommentOptions } from "../report/pr-comment.js";
import { EXIT, InputError } from "../errors.js";
import { numberFlag } from "./flags.js";

interface CompareArgs {
  base: string;
  head: string;
  force: boolean;
  json: boolean;
  format?: string;
  "report-url"?: string;
  /** As the user typed it when not a number (see flags.ts). */
  "max-regression"?: unknown;
  "max-memory-increase"?: unknown;
  "max-cv"?: unknown;
}

/** What `--format` takes. */
const COMPARE_FORMATS = ["text", "json", "pr-comment"] as const;

function fraction(flag: string, v: unknown): number | undefined {
  return numberFlag(flag, v, { min: 0, below: 1, what: "a fraction in [0, 1) such as 0.05 for 5 %" });
}

/** The comparison as a plain-text table plus one line per regression and a verdict. */
export function formatComparison(c: Comparison, color = false): string {
  const table = new Table({
    head: [
      "run",
      "strategy",
      "calls/s base → head",
      "change [95% CI]",
      "throughput",
      "peak MiB base → head",
      "change",
      "memory",
    ],
    colAligns: ["left", "left", "right", "left", "left", "right", "right", "left"],
    style: color ? { head: ["cyan"], border: ["grey"], compact: true } : { head: [], border: [], compact: true },
  });
  for (const s of c.strategies) {
    const t = s.throughput;
    const m = s.peakMemory;
    table.push([
      s.run,
      s.strategy,
      `${t.baseItemsPerSecond !== undefined ? rate(t.baseItemsPerSecond) : "—"} → ${t.headItemsPerSecond !== undefined ? rate(t.headItemsPerSecond) : "—"}`,
      t.ratio !== undefined && t.ratioCi
        ? `${percentChange(t.ratio)} [${percentChange(t.ratioCi[0])}, ${percentChange(t.ratioCi[1])}]`
        : "—",
      throughputClaim(t),
      `${m.baseBytes !== undefined ? mib(m.baseBytes) : "—"} → ${m.headBytes !== undefined ? mib(m.headBytes) : "—"}`,
      m.ratio !== undefined ? percentChange(m.ratio) : "—",
      m.claim,
    ]);
  }
  const lines: string[] = [];
  const commit = (x: Comparison["base"]): string => (x.gitCommit ? ` (commit ${x.gitCommit.slice(0, 7)})` : "");
  lines.push(`base ${c.base.runId}${commit(c.base)} → head ${c.head.runId}${commit(c.head)}`);
  for (const w of c.environmentWarnings) lines.push(`warning: ${w}`);
  if (c.environmentDifferences.length)
    lines.push(`compared with --force although: ${c.environmentDifferences.join("; ")}`);
  lines.push(table.toString());
  if (c.strategies.some((s) => s.throughput.claim === "within-noise" && s.throughput.detectable))
    lines.push(DETECTABLE_NOTE);
  for (const s of c.strategies) {
    if (s.throughput.claim === "inconclusive" && s.throughput.reason)
      lines.push(`INCONCLUSIVE ${s.run} ${s.strategy}: throughput ${s.throughput.reason}`);
    if (s.peakMemory.claim === "inconclusive" && s.peakMemory.reason)
      lines.push(`INCONCLUSIVE ${s.run} ${s.strategy}: memory ${s.peakMemory.reason}`);
  }
  if (c.onlyInBase.length) lines.push(`only in base: ${c.onlyInBase.join(", ")}`);
  if (c.onlyInHead.length) lines.push(`only in head: ${c.onlyInHead.join(", ")}`);
  const bad = regressions(c);
  for (const s of bad) {
    if (s.throughput.claim === "regression" && s.throughput.ratio !== undefined && s.throughput.ratioCi) {
      const t = s.throughput;
      lines.push(
        `REGRESSION ${s.run} ${s.strategy}: throughput ${percentChange(t.ratio!)} [${percentChange(t.ratioCi![0])}, ${percentChange(t.ratioCi![1])}], tolerated −${(c.thresholds.maxRegression * 100).toFixed(0)} %`,
      );
    }
    if (s.peakMemory.claim === "increase" && s.peakMemory.ratio !== undefined) {
      lines.push(
        `MEMORY ${s.run} ${s.strategy}: peak ${s.peakMemory.signal} ${percentChange(s.peakMemory.ratio)}, tolerated +${(c.thresholds.maxMemoryIncrease * 100).toFixed(0)} %`,
      );
    }
  }
  lines.push(
    bad.length
      ? `${bad.length} strateg${bad.length === 1 ? "y" : "ies"} regressed past the thresholds.`
      : "No regression past the thresholds.",
  );
  return lines.join("\n");
}

/** Compare two results files; returns the exit code (0 or 1) and the text to print. */
export function runCompare(a: CompareArgs, color = false): { exitCode: 0 | 1; output: string; comparison: Comparison } {
  const maxRegression = fraction("max-regression", a["max-regression"]);
  const maxMemoryIncrease = fraction("max-memory-increase", a["max-memory-increase"]);
  const base = readResultsFile(a.base);
  const head = readResultsFile(a.head);
  const opts: Parameters<typeof compareResults>[2] = { force: a.force, baseName: a.base, headName: a.head };
  if (maxRegression !== undefined) opts.maxRegression = maxRegression;
  if (maxMemoryIncrease !== undefined) opts.maxMemoryIncrease = maxMemoryIncrease;
  const maxCv = numberFlag("max-cv", a["max-cv"], {
    min: 0,
    what: "a coefficient of variation ≥ 0 such as 0.1 for 10 %",
  });
  if (maxCv !== undefined) opts.maxCv = maxCv;
  const comparison = compareResults(base, head, opts);
  const exitCode = regressions(comparison).length ? EXIT.gateFailed : EXIT.ok;
  const format = a.json ? "json" : (a.format ?? "text");
  if (!COMPARE_FORMATS.includes(format as (typeof COMPARE_FORMATS)[number]))
    throw new InputError(
      `--format: expected one of ${COMPARE_FORMATS.join(", ")}, found ${JSON.stringify(format).slice(0, 80)}.`,
    );
  if (format === "pr-comment") {
    const prOpts: PrCommentOptions = {};
    if (a["report-url"]) prOpts.reportUrl = a["report-url"];
    return { exitCode, output: renderPrComment(comparison, prOpts), comparison };
  }
  const output =
    format === "json"
      ? JSON.stringify(
          { exitCode, ...comparison },
          (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
          1,
        )
      : formatComparison(comparison, color);
  return { exitCode, output, comparison };
}

export const command: CommandModule<object, CompareArgs> = {
  command: "compare <base> <head>",
  describe: "Compare two results files (throughput and peak memory per strategy); exit 1 on a regression",
  builder: (y) =>
    y
      .positional("base", {
        type: "string",
        demandOption: true,
        describe: "results JSON of the baseline (e.g. main's last run)",
      })
      .positional("head", { type: "string", demandOption: true, describe: "results JSON to judge" })
      .option("force", {
        type: "boolean",
        default: false,
        describe: "compare even when GPU, driver or engine versions differ",
      })
      .option("json", { type: "boolean", default: false, describe: "print the comparison as JSON (= --format json)" })
      .option("format", {
        type: "string",
        requiresArg: true,
        describe: "text (default), json, or pr-comment: one markdown block for a bot to post on a pull request",
      })
      .option("report-url", {
        type: "string",
        requiresArg: true,
        describe: "with --format pr-comment: link to the full report, shown when rows are cut",
      })
      .option("max-regression", { requiresArg: true, describe: "tolerated throughput drop, fraction (default 0.05)" })
      .option("max-cv", {
        requiresArg: true,
        describe:
          "most round-to-round CV of items/s for a throughput claim; noisier runs are inconclusive (default 0.10)",
      })
      .option("max-memory-increase", {
        requiresArg: true,
        describe: "tolerated peak-memory increase, fraction (default 0.10)",
      }),
  handler: (a) => {
    const { exitCode, output } = runCompare(a, process.stdout.isTTY === true);
    process.stdout.write(`${output}\n`);
    process.exitCode = exitCode;
  },
};
