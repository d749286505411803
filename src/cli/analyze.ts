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
import { closeSync, openSync, readSync } from "node:fs";
import type { CommandModule } from "yargs";
import { EXIT, InputError } from "../errors.js";
import { numberFlag } from "./flags.js";
import { analyzeLeak } from "../analysis/leak.js";
import { attributeShapes, shapeStatsOfTrace, shapeTax } from "../analysis/shape.js";
import { capacityFor, judgeWithShapes, leakOptionsFor, signalSeries } from "../analysis/analyze-results.js";
import type { LeakAnalysisOptions } from "../analysis/leak.js";
import { looksLikeJson, readCsvTrace } from "../analysis/trace-io.js";
import { didYouMean } from "../scenarios/suggest.js";
import { readResultsFile } from "../results/read.js";
import { checkInputFile } from "../io/read-limited.js";
import type { LeakAnalysis } from "../results/verdicts.js";
import { whereWords } from "../report/layers.js";
import type { LeakOptions } from "../analysis/types.js";

interface AnalyzeArgs {
  file: string;
  column?: string;
  json: boolean;
  totalBytes?: number;
  warmup?: number;
  failOnLeak: boolean;
}

/** The flag as the user typed it when it is not a number ("abc", not NaN) is in the message. */
function checkNumber(name: string, v: unknown, integer: boolean): void {
  numberFlag(name, v, { integer, min: 0, what: `a non-negative ${integer ? "integer" : "number"}` });
}

function leakOptions(args: AnalyzeArgs, totalBytes: number | undefined): LeakOptions {
  const o: LeakOptions = {};
  if (args.warmup !== undefined) o.warmupIterations = args.warmup;
  const total = args.totalBytes ?? totalBytes;
  if (total !== undefined) o.totalBytes = total;
  return o;
}

const label = (a: LeakAnalysis) => a.verdict.toUpperCase();

/**
 * A trace that fails to parse and whose header is split by tabs or semicolons, not commas,
 * gets told so: the message alone ("found columns iteration<TAB>used_bytes") hides why.
 */
function withSeparatorHint(e: unknown, file: string): unknown {
  if (!(e instanceof InputError)) return e;
  let head = "";
  try {
    const fd = openSync(file, "r");
    try {
      const buf = Buffer.alloc(4096);
      head =
        buf
          .subarray(0, readSync(fd, buf, 0, buf.length, 0))
          .toString("utf8")
          .split(/\r?\n/)[0] ?? "";
    } finally {
      closeSync(fd);
    }
  } catch {
    return e;
  }
  if (head.includes(",")) return e;
  const sep = head.includes("\t")
    ? { name: "tab", fix: "tr '\\t' ','" }
    : head.includes(";")
      ? { name: "semicolon", fix: "tr ';' ','" }
      : undefined;
  if (!sep) return e;
  return new InputError(
    `${e.message}\nThe header is ${sep.name}-separated; vramgate reads comma-separated traces. Convert it, e.g. \`${sep.fix} < ${file} > trace.csv\`.`,
  );
}

export async function runAnalyze(args: AnalyzeArgs, out: (s: string) => void): Promise<number> {
  checkNumber("total-bytes", args.totalBytes, false);
  checkNumber("warmup", args.warmup, false);
  let anyLeak = false;
  // A folder, pipe or device is refused before anything opens it (a FIFO would block, /dev/zero never ends).
  checkInputFile(args.file, {
    what: /\.json$/i.test(args.file) ? "a vramgate results JSON" : "a readable CSV trace",
    maxBytes: Number.POSITIVE_INFINITY,
  });
  if (await looksLikeJson(args.file)) {
    // Lenient: results-like JSON from anywhere needs runs, strategies and series, not run metadata.
    const results = readResultsFile(args.file, { lenient: true });
    if (args.column) {
      // Error only when no strategy has the signal; a strategy without it reports null.
      const all = new Set(
        results.runs.flatMap((r) => r.strategies.flatMap((s) => Object.keys(s.series?.signals ?? {}))),
      );
      if (!all.has(args.column)) {
        const names = [...all];
        const hint = didYouMean(args.column, names);
        throw new InputError([
          {
            file: args.file,
            path: "runs[].strategies[].series.signals",
            expected: `a signal named "${args.column}" (available: ${names.join(", ") || "none"})`,
            found: "no such signal",
            ...(hint ? { hint } : {}),
          },
        ]);
      }
    }
    const runs = results.runs.map((run) => ({
      key: run.key,
      strategies: run.strategies.map((s) => {
        const signal = args.column ?? s.primarySignal;
        const series = signalSeries(s, signal);
        const capacity = capacityFor(results, signal);
        // The floor the run used for this signal (host memory's is higher), as the run judged.
        const { minGrowthBytes } = leakOptionsFor(results, signal);
        const opts: LeakAnalysisOptions = {
          ...leakOptions(args, capacity),
          ...(minGrowthBytes !== undefined ? { minGrowthBytes } : {}),
        };
        let analysis = series && series.value.length > 0 ? analyzeLeak(series, opts) : null;
        // Results with shape attribution are judged the same way the run judged them.
        if (analysis && series)
          analysis = judgeWithShapes(analysis, s, signal, series, {
            allowedShapes: run.allowedShapes,
            capacityBytes: args.totalBytes ?? capacity,
            minGrowthBytes,
          }).leak;
        if (analysis?.verdict === "leak") anyLeak = true;
        // Where growth lives, as the run judged it (stored in the file), when it has layers.
        return { strategy: s.strategy, state: s.state, signal, analysis, layers: s.analysis?.layers ?? null };
      }),
    }));
    if (args.json) out(JSON.stringify({ file: args.file, kind: "results", runs }, null, 2));
    else {
      for (const run of runs) {
        out(`${run.key}`);
        for (const s of run.strategies)
          out(
            `  ${s.strategy.padEnd(13)} ${s.signal.padEnd(18)} ${s.analysis ? `${label(s.analysis).padEnd(12)} ${s.analysis.explanation}` : "no data for this signal"}`,
          );
        for (const s of run.strategies)
          if (s.layers) out(`  ${s.strategy.padEnd(13)} growth lives in: ${whereWords(s.layers)}`);
      }
    }
  } else {
    const trace = await readCsvTrace(args.file, args.column !== undefined ? { column: args.column } : {}).catch(
      (e: unknown) => {
        throw withSeparatorHint(e, args.file);
      },
    );
    let analysis = analyzeLeak(trace, leakOptions(args, undefined));
    let shapes: object | undefined;
    if (trace.shapeIds && trace.shapeNames) {
      // A shape column: attribute growth to first-seen vs repeated shapes, as a run does.
      const stats = shapeStatsOfTrace(
        { ...trace, shapeIds: trace.shapeIds, shapeNames: trace.shapeNames },
        trace.column,
        args.warmup,
      );
      const last = trace.value[trace.value.length - 1];
      const judged = attributeShapes(analysis, stats, trace.column, {
        ...(args.totalBytes !== undefined ? { capacityBytes: args.totalBytes } : {}),
        ...(last !== undefined ? { currentBytes: last } : {}),
      });
      analysis = judged.leak;
      shapes = { ...judged.attribution, tax: shapeTax(stats, judged.attribution) };
    }
    anyLeak = analysis.verdict === "leak";
    if (args.json)
      out(
        JSON.stringify(
          {
            file: args.file,
            kind: "trace",
            column: trace.column,
            rows: trace.rows,
            ...analysis,
            ...(shapes ? { shapes } : {}),
          },
          null,
          2,
        ),
      );
    else
      out(
        `${args.file} (${trace.column}, ${trace.rows.toLocaleString("en-US")} rows${trace.shapeNames ? `, ${trace.shapeNames.length.toLocaleString("en-US")} shapes` : ""}): ${label(analysis)} — ${analysis.explanation}`,
      );
  }
  return anyLeak && args.failOnLeak ? EXIT.gateFailed : EXIT.ok;
}

export const command: CommandModule<object, object> = {
  command: "analyze <file>",
  describe:
    "Judge a memory trace (CSV iteration,used_bytes[,time_ms] or a results JSON): leak, plateau, flat or inconclusive",
  builder: (y) =>
    y
      .positional("file", { describe: "CSV trace or vramgate results JSON", type: "string", demandOption: true })
      .option("column", { describe: "byte column (CSV) or signal (results JSON) to judge", type: "string" })
      .option("json", { describe: "print one JSON object", type: "boolean", default: false })
      .option("total-bytes", { describe: "memory capacity for the out-of-memory projection, bytes", requiresArg: true })
      .option("warmup", { describe: "iterations below this are warm-up (default: first 10 %)", requiresArg: true })
      .option("fail-on-leak", { describe: "exit 1 when any verdict is leak", type: "boolean", default: false }),
  handler: async (raw) => {
    // --total-bytes and --warmup have no yargs type (checked in leakOptions), hence the cast.
    const a = raw as unknown as AnalyzeArgs;
    process.exitCode = await runAnalyze(a, (s) => process.stdout.write(`${s}\n`));
  },
};
