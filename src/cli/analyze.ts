/**
 * `vramgate analyze FILE [--column NAME] [--json] [--total-bytes N] [--warmup N] [--fail-on-leak]`
 *
 * Judges a memory trace recorded anywhere: a CSV (`iteration,used_bytes[,time_ms,…]`) or a
 * vramgate results JSON (every strategy's primary signal, or --column).
 *
 * `--json` prints one object:
 * - CSV: `{ file, kind: "trace", column, rows, verdict, slopeBytesPerIteration, slopeCi, … }`
 *   (the LeakAnalysis fields at top level);
 * - results JSON: `{ file, kind: "results", runs: [{ key, strategies: [{ strategy, state,
 *   signal, analysis: LeakAnalysis | null }] }] }` (null when the strategy has no such
 *   signal or no points).
 * Infinite CI ends (too few points) print as null. Exit 0, or 1 with --fail-on-leak when
 * any verdict is `leak`; bad input exits 2.
 */
import type { CommandModule } from "yargs";
import { EXIT, InputError } from "./errors.js";
import { analyzeLeak } from "../analysis/leak.js";
import { capacityFor, signalSeries } from "../analysis/analyze-results.js";
import { looksLikeJson, readCsvTrace } from "../analysis/trace-io.js";
import { didYouMean } from "../scenarios/suggest.js";
import { readResultsFile } from "../results/read.js";
import type { ResultsFile } from "../results/types.js";
import type { LeakAnalysis, LeakOptions } from "../analysis/types.js";

interface AnalyzeArgs {
  file: string;
  column?: string;
  json: boolean;
  totalBytes?: number;
  warmup?: number;
  failOnLeak: boolean;
}

function checkNumber(name: string, v: number | undefined, integer: boolean): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v)))
    throw new InputError(`analyze: expected --${name} to be a non-negative ${integer ? "integer" : "number"}, found ${String(v)}`);
}

function leakOptions(args: AnalyzeArgs, totalBytes: number | undefined): LeakOptions {
  const o: LeakOptions = {};
  if (args.warmup !== undefined) o.warmupIterations = args.warmup;
  const total = args.totalBytes ?? totalBytes;
  if (total !== undefined) o.totalBytes = total;
  return o;
}

const label = (a: LeakAnalysis) => a.verdict.toUpperCase();

export async function runAnalyze(args: AnalyzeArgs, out: (s: string) => void): Promise<number> {
  checkNumber("total-bytes", args.totalBytes, false);
  checkNumber("warmup", args.warmup, false);
  let anyLeak = false;
  if (await looksLikeJson(args.file)) {
    const results = readResultsFile(args.file);
    if (args.column) {
      // Error only when no strategy has the signal; a strategy without it reports null.
      const all = new Set(results.runs.flatMap((r) => r.strategies.flatMap((s) => Object.keys(s.series?.signals ?? {}))));
      if (!all.has(args.column)) {
        const names = [...all];
        const hint = didYouMean(args.column, names);
        throw new InputError([{ file: args.file, path: "runs[].strategies[].series.signals", expected: `a signal named "${args.column}" (available: ${names.join(", ") || "none"})`, found: "no such signal", ...(hint ? { hint } : {}) }]);
      }
    }
    const runs = results.runs.map((run) => ({
      key: run.key,
      strategies: run.strategies.map((s) => {
        const signal = args.column ?? s.primarySignal;
        const series = signalSeries(s, signal);
        const analysis = series && series.value.length > 0 ? analyzeLeak(series, leakOptions(args, capacityFor(results, signal))) : null;
        if (analysis?.verdict === "leak") anyLeak = true;
        return { strategy: s.strategy, state: s.state, signal, analysis };
      }),
    }));
    if (args.json) out(JSON.stringify({ file: args.file, kind: "results", runs }, null, 2));
    else {
      for (const run of runs) {
        out(`${run.key}`);
        for (const s of run.strategies)
          out(`  ${s.strategy.padEnd(13)} ${s.signal.padEnd(18)} ${s.analysis ? `${label(s.analysis).padEnd(12)} ${s.analysis.explanation}` : "no data for this signal"}`);
      }
    }
  } else {
    const trace = await readCsvTrace(args.file, args.column !== undefined ? { column: args.column } : {});
    const analysis = analyzeLeak(trace, leakOptions(args, undefined));
    anyLeak = analysis.verdict === "leak";
    if (args.json) out(JSON.stringify({ file: args.file, kind: "trace", column: trace.column, rows: trace.rows, ...analysis }, null, 2));
    else out(`${args.file} (${trace.column}, ${trace.rows.toLocaleString("en-US")} rows): ${label(analysis)} — ${analysis.explanation}`);
  }
  return anyLeak && args.failOnLeak ? EXIT.gateFailed : EXIT.ok;
}

export const command: CommandModule<object, any> = {
  command: "analyze <file>",
  describe: "Judge a memory trace (CSV iteration,used_bytes[,time_ms] or a results JSON): leak, plateau, flat or inconclusive",
  builder: (y) =>
    y
      .positional("file", { describe: "CSV trace or vramgate results JSON", type: "string", demandOption: true })
      .option("column", { describe: "byte column (CSV) or signal (results JSON) to judge", type: "string" })
      .option("json", { describe: "print one JSON object", type: "boolean", default: false })
      .option("total-bytes", { describe: "memory capacity for the out-of-memory projection, bytes", type: "number" })
      .option("warmup", { describe: "iterations below this are warm-up (default: first 10 %)", type: "number" })
      .option("fail-on-leak", { describe: "exit 1 when any verdict is leak", type: "boolean", default: false }),
  handler: async (raw) => {
    const a = raw as unknown as { file: string; column?: string; json: boolean; totalBytes?: number; warmup?: number; failOnLeak: boolean };
    process.exitCode = await runAnalyze(a, (s) => process.stdout.write(`${s}\n`));
  },
};
