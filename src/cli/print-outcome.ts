/**
 * How `bench` and `merge` print their outcome: one JSON object on stdout (--json), the
 * table and the paths (default), or only the failures on stderr (--quiet).
 */
import type { Argv } from "yargs";
import { EXIT } from "../errors.js";
import { toJson } from "../io/atomic-write.js";
import type { PipelineOutcome } from "../pipeline.js";
import { failureLines, formatSummary } from "../report/terminal.js";
import { benchSummary } from "./bench-json.js";
import { driftSentence, sweepSentence } from "../report/sweep.js";

/**
 * Declares the output flags these options come from (`--json`, `--quiet`, `--wide`, `--junit`);
 * `quiet` says what --quiet leaves out for this command.
 */
export function withOutputFlags<T>(y: Argv<T>, opts: { quiet: string }) {
  return y
    .option("json", {
      type: "boolean",
      default: false,
      describe: "print the whole outcome as one JSON object on stdout (schema vramgate.bench-summary/1)",
    })
    .option("quiet", {
      type: "boolean",
      default: false,
      describe: `${opts.quiet}; errors and failed gates only, one line each on stderr`,
    })
    .option("wide", {
      type: "boolean",
      default: false,
      describe: "print every column of the table (slope, p50, time to OOM, residual), not the 100-column one",
    })
    .option("junit", { type: "string", describe: "also write gate outcomes as JUnit XML to this file" });
}

export interface PrintOptions {
  json: boolean;
  quiet: boolean;
  wide: boolean;
  junit?: string | undefined;
  baseline?: string | undefined;
  /** A line for stderr before the table (default output only), e.g. what was merged. */
  preface?: string;
}

export function printOutcome(out: PipelineOutcome, o: PrintOptions): void {
  const { results, outcomes, exitCode: code } = out;
  if (o.json) {
    const summary = benchSummary({
      results,
      outcomes,
      exitCode: code,
      resultsPath: out.resultsPath,
      reportPath: out.reportPath,
      ...(o.junit ? { junitPath: o.junit } : {}),
      ...(o.baseline
        ? { baseline: { file: o.baseline, ...(out.comparison ? { comparison: out.comparison } : {}) } }
        : {}),
    });
    process.stdout.write(`${toJson(summary)}\n`);
  } else if (!o.quiet) {
    if (o.preface) process.stderr.write(`${o.preface}\n`);
    process.stdout.write(
      `${formatSummary(results, outcomes, { color: process.stdout.isTTY === true, wide: o.wide })}\n`,
    );
    // Each sweep's recommendation in one sentence (its table and chart are in the report).
    for (const a of results.sweeps ?? []) {
      process.stdout.write(`Sweep ${a.scenario} · ${a.sequence}: ${sweepSentence(a)}\n`);
      const drift = driftSentence(a, true);
      if (drift) process.stdout.write(`  ${drift}\n`);
    }
    process.stdout.write(`results: ${out.resultsPath}\nreport:  ${out.reportPath}\n`);
  } else {
    // --quiet still says why the exit code is not 0: one line per failure, on stderr.
    for (const line of failureLines(outcomes)) process.stderr.write(`vramgate: ${line}\n`);
    if (code !== EXIT.ok && code !== EXIT.interrupted)
      process.stderr.write(`vramgate: exit ${code}; results: ${out.resultsPath}\n`);
  }
}
