/**
 * `vramgate history RESULTS_DIR|FILES…`: a series per run key, strategy and metric
 * (throughput × baseline, calls/s, peak memory, leak slope) across results files, ordered
 * by time and labelled by git commit, with change points (E-Divisive, permutation p-values).
 * Prints a table (or `--json`), writes an SVG chart per run key and metric with `--svg DIR`.
 * Exit 0 (history informs, it does not gate); 2 on bad input.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CommandModule } from "yargs";
import { buildHistory, type HistoryInput, type HistoryOptions } from "../analysis/history.js";
import { EXIT, fsError, InputError } from "../errors.js";
import { ensureFolder, writeFileAtomic } from "../io/atomic-write.js";
import { LIMITS, readInputMaybeGzip } from "../io/read-limited.js";
import { readResultsFile } from "../results/read.js";
import { RESULTS_SCHEMA } from "../results/types.js";
import { formatHistory, historyCharts } from "../report/history.js";
import { numberFlag } from "./flags.js";

interface HistoryArgs {
  paths: string[];
  json: boolean;
  svg?: string;
  since?: string;
  key?: string[];
  "min-size"?: unknown;
  "sig-level"?: unknown;
  permutations?: unknown;
}

/** Most results files read from folders (a folder of a year of nightly runs is ~365). */
const MAX_HISTORY_FILES = 4096;
const MAX_DEPTH = 4;

/** Whether a file's first bytes name the results schema (other JSON in a folder is skipped). */
function looksLikeResults(file: string): boolean {
  if (file.endsWith(".gz")) {
    try {
      return readInputMaybeGzip(file, { what: "a results JSON", limit: LIMITS.results })
        .slice(0, 512)
        .includes(RESULTS_SCHEMA);
    } catch {
      return false;
    }
  }
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString("utf8").includes(RESULTS_SCHEMA);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function collect(dir: string, depth: number, out: string[]): void {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw fsError(e, { path: dir, op: "read", what: "a folder of results files" });
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory() && depth < MAX_DEPTH) collect(p, depth + 1, out);
    else if (e.isFile() && /\.json(\.gz)?$/.test(e.name) && looksLikeResults(p)) out.push(p);
    if (out.length > MAX_HISTORY_FILES)
      throw new InputError(
        `${dir}: more than ${MAX_HISTORY_FILES} results files; name a narrower folder or the files themselves.`,
      );
  }
}

/** The results files named (files as they are; folders searched for results JSON). */
function resultsFilesOf(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      throw fsError(e, { path: p, op: "read", what: "a results JSON or a folder of them" });
    }
    if (!isDir) {
      out.push(p);
      continue;
    }
    const before = out.length;
    collect(p, 0, out);
    if (out.length === before)
      throw new InputError([
        { file: p, expected: "a folder holding vramgate results JSON files", found: "no results file in it" },
      ]);
  }
  return [...new Set(out.map((f) => resolve(f)))].map((abs) => out.find((f) => resolve(f) === abs)!);
}

function parseSince(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const t = Date.parse(raw);
  if (!Number.isFinite(t))
    throw new InputError(
      `--since: expected a date such as 2026-11-01 or 2026-11-01T12:00:00Z, found ${JSON.stringify(raw).slice(0, 80)}.`,
    );
  return new Date(t);
}

export function runHistory(a: HistoryArgs, color = false): { output: string; charts: string[] } {
  const opts: HistoryOptions = {};
  const since = parseSince(a.since);
  if (since) opts.since = since;
  if (a.key?.length) opts.keys = a.key.map(String);
  const minSize = numberFlag("min-size", a["min-size"], { integer: true, min: 2 });
  if (minSize !== undefined) opts.minSize = minSize;
  const sig = numberFlag("sig-level", a["sig-level"], { what: "a level in (0, 1) such as 0.05" });
  if (sig !== undefined) {
    if (!(sig > 0 && sig < 1))
      throw new InputError(`--sig-level: expected a level in (0, 1) such as 0.05, found ${sig}.`);
    opts.sigLevel = sig;
  }
  const perms = numberFlag("permutations", a.permutations, { integer: true, min: 1 });
  if (perms !== undefined) opts.permutations = perms;

  const files = resultsFilesOf(a.paths);
  const inputs: HistoryInput[] = files.map((file) => ({ file, results: readResultsFile(file) }));
  const history = buildHistory(inputs, opts);
  const charts: string[] = [];
  if (a.svg !== undefined) {
    ensureFolder(a.svg, { what: "the chart folder (--svg)" });
    for (const c of historyCharts(history)) {
      const path = join(a.svg, c.file);
      writeFileAtomic(path, c.svg, { what: "a history chart (--svg)" });
      charts.push(path);
    }
  }
  const output = a.json
    ? JSON.stringify(
        { schema: "vramgate.history/1", ...history, charts },
        (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
        1,
      )
    : `${formatHistory(history, color)}${charts.length ? `\ncharts: ${charts.length} SVG files in ${a.svg}` : ""}`;
  return { output, charts };
}

export const command: CommandModule<object, HistoryArgs> = {
  command: "history <paths..>",
  describe: "Series per run key and metric across results files, with change points (E-Divisive)",
  builder: (y) =>
    y
      .positional("paths", {
        type: "string",
        array: true,
        demandOption: true,
        describe: "results JSON files, or folders searched for them",
      })
      .option("json", { type: "boolean", default: false, describe: "print the history as JSON" })
      .option("svg", { type: "string", requiresArg: true, describe: "write an SVG chart per run key and metric here" })
      .option("since", { type: "string", requiresArg: true, describe: "only results created at or after this date" })
      .option("key", {
        type: "string",
        array: true,
        requiresArg: true,
        describe: 'only this run key ("scenario/sequence/precision", or with ":strategy"); repeatable',
      })
      .option("min-size", { requiresArg: true, describe: "fewest results between change points (default 3)" })
      .option("sig-level", { requiresArg: true, describe: "significance level of each change point (default 0.05)" })
      .option("permutations", { requiresArg: true, describe: "permutations per test (default 199)" }),
  handler: (a) => {
    const { output } = runHistory(a, process.stdout.isTTY === true);
    process.stdout.write(`${output}\n`);
    process.exitCode = EXIT.ok;
  },
};
