/**
 * Results files of shards (or of separate runs) → one results file: every run once, each
 * with where it was measured (`origin`: run id, host, GPUs, shard). Refuses what cannot be
 * one bench: a run key in two files (overlapping shards), shards cut from different plans
 * (other scenarios, flags or shard count), a shard given twice or missing. Gates are not
 * here: the caller evaluates them over the whole (analysis/gates.ts).
 *
 * Each run keeps the analysis its shard stored (verdicts were judged on the machine that
 * measured them, with its environment).
 */
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { InputError } from "../errors.js";
import { readResultsFile } from "./read.js";
import { makeRunId } from "./run-id.js";
import {
  type Environment,
  type GpuInfo,
  type MergedSource,
  RESULTS_SCHEMA,
  type ResultsFile,
  type ScenarioRunResult,
} from "./types.js";

export interface MergeInput {
  file: string;
  results: ResultsFile;
}

export interface MergeOptions {
  /** Folder the merged file goes to: trace paths are made relative to it. */
  outDir: string;
  argv: string[];
  /** Accept shards of a plan with some missing (the merged file then lacks their runs). */
  allowMissing?: boolean;
  /** For tests. */
  runId?: string;
}

/**
 * Reads every file to merge (read.ts: size, JSON, schema), all problems at once; a file of
 * another results schema version is named as such.
 */
export function readMergeInputs(files: readonly string[]): MergeInput[] {
  const inputs: MergeInput[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      inputs.push({ file, results: readResultsFile(file) });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const schema = e.problems.find((p) => p.path === "schema" && p.found.startsWith('"'));
      problems.push(
        schema
          ? `${file}: results schema ${schema.found}, but this vramgate reads and writes "${RESULTS_SCHEMA}": ` +
              "merge files written by one vramgate version (run that shard again with it)."
          : e.message,
      );
    }
  }
  if (problems.length) throw new InputError(`merge: cannot read every file:\n${problems.join("\n")}`);
  return inputs;
}

/** GPUs as one label per run: "NVIDIA H100 80GB HBM3" (or "no GPU"), the distinct names joined. */
export function gpuType(gpus: readonly GpuInfo[]): string {
  const names = [...new Set(gpus.map((g) => g.name))];
  return names.length ? names.join(" + ") : "no GPU";
}

/** Refuses overlapping runs and inconsistent shards; returns the merged file (gates unset). */
export function mergeResults(inputs: readonly MergeInput[], opts: MergeOptions): ResultsFile {
  if (inputs.length === 0) throw new InputError("merge: name at least one results file.");
  checkDuplicates(inputs);
  checkShards(inputs, opts.allowMissing === true);

  const outDir = resolve(opts.outDir);
  const runs: ScenarioRunResult[] = [];
  const mergedFrom: MergedSource[] = [];
  for (const { file, results } of inputs) {
    const env = results.environment;
    for (const run of results.runs) {
      runs.push({
        ...run,
        strategies: run.strategies.map((s) =>
          s.traceFile ? { ...s, traceFile: rebase(s.traceFile, file, outDir) } : s,
        ),
        origin: run.origin ?? {
          runId: results.runId,
          hostname: env.hostname,
          // Under --gpus each run knows its own GPU; older files only the machine's list.
          gpus: run.gpu ? [run.gpu] : env.gpus,
          ...(results.shard ? { shard: { index: results.shard.index, count: results.shard.count } } : {}),
        },
      });
    }
    mergedFrom.push({
      file,
      runId: results.runId,
      hostname: env.hostname,
      ...(results.shard ? { shard: results.shard } : {}),
      runs: results.runs.map((r) => r.key),
    });
  }
  const all = inputs.map((i) => i.results);
  const finished = all.map((r) => r.finishedAt);
  return {
    schema: RESULTS_SCHEMA,
    runId: opts.runId ?? makeRunId([...new Set(runs.map((r) => r.scenario))].map((name) => ({ name }))),
    createdAt: all.map((r) => r.createdAt).sort()[0]!,
    ...(finished.every((f) => f !== undefined) ? { finishedAt: [...finished].sort().at(-1)! } : {}),
    state: all.some((r) => r.state === "aborted") ? "aborted" : "completed",
    argv: opts.argv,
    environment: mergeEnvironments(all.map((r) => r.environment)),
    runs,
    mergedFrom,
  };
}

function checkDuplicates(inputs: readonly MergeInput[]): void {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const { file, results } of inputs) {
    for (const run of results.runs) {
      const first = seen.get(run.key);
      if (first !== undefined) problems.push(`  ${run.key}: in ${first} and in ${file}`);
      else seen.set(run.key, file);
    }
  }
  if (problems.length)
    throw new InputError(
      `merge: ${problems.length === 1 ? "a run is" : `${problems.length} runs are`} in more than one file ` +
        `(overlapping shards, or one file given twice):\n${problems.join("\n")}\n` +
        "Each run must come from exactly one file: cut every shard with the same scenarios, flags and count.",
    );
}

function checkShards(inputs: readonly MergeInput[], allowMissing: boolean): void {
  const sharded = inputs.filter((i) => i.results.shard !== undefined);
  if (sharded.length === 0) return;
  const first = sharded[0]!;
  const plan = first.results.shard!;
  const other = sharded.find((i) => i.results.shard!.plan !== plan.plan || i.results.shard!.count !== plan.count);
  if (other) {
    const o = other.results.shard!;
    throw new InputError(
      `merge: ${first.file} is shard ${plan.index}/${plan.count} of plan ${plan.plan}, but ${other.file} is shard ` +
        `${o.index}/${o.count} of plan ${o.plan}: the shards were cut from different runs (other scenarios, ` +
        "--iterations/--warmup/--rounds or shard count). Merge shards of one bench.",
    );
  }
  const byIndex = new Map<number, string>();
  for (const { file, results } of sharded) {
    const i = results.shard!.index;
    const twice = byIndex.get(i);
    if (twice !== undefined)
      throw new InputError(`merge: shard ${i}/${plan.count} is given twice: ${twice} and ${file}.`);
    byIndex.set(i, file);
  }
  const missing = Array.from({ length: plan.count }, (_, k) => k + 1).filter((i) => !byIndex.has(i));
  if (missing.length && !allowMissing)
    throw new InputError(
      `merge: shard${missing.length === 1 ? "" : "s"} ${missing.join(", ")} of ${plan.count} missing ` +
        `(${plan.plannedRuns} runs planned): a gate over part of the runs would pass what was not measured. ` +
        "Give every shard's results file (an empty shard writes one too), or pass --allow-missing.",
    );
}

/** A trace path relative to its results file → relative to the merged file's folder. */
function rebase(traceFile: string, resultsFile: string, outDir: string): string {
  if (isAbsolute(traceFile)) return traceFile;
  return relative(outDir, resolve(dirname(resultsFile), traceFile));
}

/**
 * One environment for the merged file: the first file's, with one GPU per GPU type seen
 * (the first of each name), every host and every engine version. Each run's own host and
 * GPUs are in its `origin`. One per type, not every device: `compare` matches GPU lists,
 * and two merges of the same scenarios on the same GPU type must match however many
 * machines (or GPUs of one machine) their shards landed on.
 */
function mergeEnvironments(envs: readonly Environment[]): Environment {
  const base = envs[0]!;
  const gpus = new Map<string, GpuInfo>();
  const engines: Record<string, string> = {};
  for (const e of envs) {
    for (const g of e.gpus) if (!gpus.has(g.name)) gpus.set(g.name, g);
    for (const [k, v] of Object.entries(e.engines)) {
      const seen = engines[k]?.split(", ") ?? [];
      if (!seen.includes(v)) engines[k] = [...seen, v].join(", ");
    }
  }
  const hosts = [...new Set(envs.map((e) => e.hostname))];
  return { ...base, hostname: hosts.join(", "), gpus: [...gpus.values()], engines };
}
