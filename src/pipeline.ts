/**
 * One bench, end to end: load → run → analyse → gate → report, returning a typed outcome.
 * The CLI (src/cli/bench.ts) parses flags, shows progress and prints; everything that
 * decides lives here or below.
 *
 * Nothing measured is lost: the orchestrator writes the results file as measured before
 * analysis starts; this writes it once more with verdicts, recommendation and gates (and
 * first, if comparing with the baseline fails, with the verdicts alone).
 */
import { analyzeResults, judgeStrategy } from "./analysis/analyze-results.js";
import { analyzeSweeps } from "./analysis/pareto.js";
import { type Comparison, compareEnvironments, compareResults } from "./analysis/compare.js";
import { evaluateGates, exitCodeFor } from "./analysis/gates.js";
import { EXIT, InputError } from "./errors.js";
import { join, resolve } from "node:path";
import { toJson, writeFileAtomic } from "./io/atomic-write.js";
import { emitCiOutputs } from "./report/ci.js";
import { writeJunit } from "./report/junit.js";
import { writeReport } from "./report/markdown.js";
import { mergeResults, readMergeInputs } from "./results/merge.js";
import { readResultsFile } from "./results/read.js";
import type { ResultsFile, ShardRecord } from "./results/types.js";
import type { GateOutcome } from "./results/verdicts.js";
import { collectEnvironment } from "./run/environment.js";
import { type BenchProgress, runBench } from "./run/orchestrator.js";
import type { VisibleGpu } from "./run/gpu-pool.js";
import { preflight } from "./run/preflight.js";
import { applyOverrides, expandScenario, type RunOverrides } from "./scenarios/expand.js";
import { loadScenario } from "./scenarios/parse.js";
import { estimatedCalls, planDigest, planShards, type ShardSpec } from "./scenarios/shard.js";
import type { GateSpec, Scenario } from "./scenarios/types.js";

/** Everything checked before any strategy child starts. */
export interface Prepared {
  scenarios: Scenario[];
  baseline?: { file: string; results: ResultsFile };
}

export interface PipelineOptions {
  outDir: string;
  overrides: RunOverrides;
  /** Gate settings that override the scenarios' (flags). */
  gates: Partial<GateSpec>;
  /** Compare with the baseline even if GPU, driver or engines differ. */
  force: boolean;
  traces: boolean;
  /** Allocation stacks for every process-engine strategy, not only those judged leak (bench --trace-allocations). */
  traceAllocations?: boolean;
  argv: string[];
  progress: BenchProgress;
  signal: AbortSignal;
  /** Also write the gate outcomes as JUnit XML here. */
  junitPath?: string;
  /** Run only this shard's runs (planShard). */
  shard?: ShardPlan;
  /** `--gpus`: runs in parallel, one per GPU (run/gpu-pool.ts). */
  gpus?: readonly VisibleGpu[];
}

/** One shard of the runs: what the results record, and the runs it takes. */
export interface ShardPlan {
  record: ShardRecord;
  /** Run keys of this shard, in run order. */
  runs: string[];
  /** Estimated calls of this shard and of all shards (scenarios/shard.ts). */
  estimatedCalls: number;
  totalEstimatedCalls: number;
}

/**
 * This shard's runs: every run of the prepared scenarios (with the command line's
 * overrides, which change the estimates) cut by scenarios/shard.ts. Every shard given the
 * same scenarios and flags computes the same plan.
 */
export function planShard(p: Prepared, overrides: RunOverrides, spec: ShardSpec): ShardPlan {
  const all = p.scenarios.flatMap((s) => expandScenario(applyOverrides(s, overrides)));
  const keys = new Set<string>();
  for (const r of all) {
    // Two scenario files with one name would make two runs one key: shards could not tell them apart.
    if (keys.has(r.key)) throw new InputError(`Two runs have the key ${r.key}: give the scenarios different names.`);
    keys.add(r.key);
  }
  const mine = planShards(all, spec.count)[spec.index - 1]!;
  const sum = (runs: typeof all) => runs.reduce((a, r) => a + estimatedCalls(r), 0);
  return {
    record: { ...spec, plan: planDigest(all, spec.count), plannedRuns: all.length },
    runs: mine.map((r) => r.key),
    estimatedCalls: sum(mine),
    totalEstimatedCalls: sum(all),
  };
}

export interface PipelineOutcome {
  results: ResultsFile;
  outcomes: GateOutcome[];
  comparison?: Comparison;
  resultsPath: string;
  reportPath: string;
  /** 0 gates hold, 1 a gate failed, 3 a strategy could not run, 130 interrupted. */
  exitCode: number;
}

/**
 * Validates every scenario (all problems at once, located) and what depends on this
 * machine and its engines, and refuses a baseline measured elsewhere — before measuring.
 */
export async function prepare(files: string[], opts: { baselineFile?: string; force: boolean }): Promise<Prepared> {
  const scenarios: Scenario[] = [];
  const problems: string[] = [];
  for (const f of files) {
    try {
      scenarios.push(await loadScenario(f));
    } catch (e) {
      if (e instanceof InputError) problems.push(e.message);
      else throw e;
    }
  }
  if (problems.length) throw new InputError(problems.join("\n"));
  // Precision vs model, provider, engine built, worker command: once and located.
  await preflight(scenarios);
  if (opts.baselineFile === undefined) return { scenarios };
  const baseline = { file: opts.baselineFile, results: readResultsFile(opts.baselineFile) };
  if (!opts.force) {
    // A different GPU or driver makes the comparison meaningless: refuse now, not after the run.
    // Engines are not loaded yet: versions knowable now are compared here, the rest after the run.
    const engines = [...new Set(scenarios.map((s) => s.engine))];
    const diffs = compareEnvironments(baseline.results.environment, collectEnvironment({ engines }), engines, {
      partial: true,
    });
    if (diffs.length) {
      throw new InputError(
        `--baseline ${opts.baselineFile} was measured on a different machine or software:\n  ${diffs.join("\n  ")}\nRun the baseline here, or pass --force to compare anyway.`,
      );
    }
  }
  return { scenarios, baseline };
}

/** Runs, analyses, gates and reports prepared scenarios. */
export async function runPipeline(p: Prepared, o: PipelineOptions): Promise<PipelineOutcome> {
  const run = await runBench({
    scenarios: p.scenarios,
    outDir: o.outDir,
    overrides: o.overrides,
    traces: o.traces,
    ...(o.traceAllocations ? { traceAllocations: true } : {}),
    argv: o.argv,
    progress: o.progress,
    signal: o.signal,
    judge: judgeStrategy,
    ...(o.shard ? { shard: { record: o.shard.record, runs: new Set(o.shard.runs) } } : {}),
    ...(o.gpus ? { gpus: o.gpus } : {}),
  });
  const results = withSweeps(analyzeResults(run.results));
  let comparison: Comparison | undefined;
  try {
    // Engine versions are known only now; a mismatch here still leaves the verdicts on disk.
    comparison = p.baseline
      ? compareResults(p.baseline.results, results, {
          force: o.force,
          maxRegression: o.gates.maxRegression,
          maxMemoryIncrease: o.gates.maxMemoryIncrease,
        })
      : undefined;
  } catch (e) {
    writeFileAtomic(run.path, toJson(results));
    throw e;
  }
  const outcomes = evaluateGates(results, {
    overrides: o.gates,
    baselineFile: p.baseline?.results,
    comparison,
    force: o.force,
  });
  results.gates = outcomes;
  writeFileAtomic(run.path, toJson(results));
  const reportPath = writeReport(run.path, results, outcomes, { comparison });
  emitCiOutputs(results, outcomes, reportPath);
  if (o.junitPath) writeJunit(o.junitPath, results, outcomes);
  return {
    results,
    outcomes,
    ...(comparison ? { comparison } : {}),
    resultsPath: run.path,
    reportPath,
    exitCode: exitCode(results, outcomes, o.signal.aborted),
  };
}

export interface MergePipelineOptions {
  outDir: string;
  /** Gate settings that override the scenarios' (flags: give the shards' own, if they had any). */
  gates: Partial<GateSpec>;
  argv: string[];
  /** Accept shards of a plan with some missing. */
  allowMissing: boolean;
  junitPath?: string;
  /** A results file (e.g. main's, itself merged or not) to gate regressions of the whole against. */
  baselineFile?: string;
  /** Compare with the baseline even if GPU, driver or engines differ. */
  force: boolean;
}

/**
 * `vramgate merge`: shards' results files → one results file and one report in `outDir`,
 * every gate evaluated over the whole; the exit code as for a bench (0, 1 a gate failed,
 * 3 a strategy could not run). Refusals (overlap, other schema, other plan, missing shard)
 * are InputErrors, before anything is written.
 */
export function runMerge(files: readonly string[], o: MergePipelineOptions): PipelineOutcome {
  const merged = withSweeps(
    mergeResults(readMergeInputs(files), {
      outDir: o.outDir,
      argv: o.argv,
      allowMissing: o.allowMissing,
    }),
  );
  // The shards' files stay: a baseline from elsewhere is refused before anything is written.
  const baseline = o.baselineFile === undefined ? undefined : readResultsFile(o.baselineFile);
  const comparison = baseline
    ? compareResults(baseline, merged, {
        force: o.force,
        maxRegression: o.gates.maxRegression,
        maxMemoryIncrease: o.gates.maxMemoryIncrease,
      })
    : undefined;
  const outcomes = evaluateGates(merged, {
    overrides: o.gates,
    ...(baseline ? { baselineFile: baseline } : {}),
    ...(comparison ? { comparison } : {}),
    force: o.force,
  });
  merged.gates = outcomes;
  const resultsPath = join(resolve(o.outDir), `${merged.runId}.json`);
  writeFileAtomic(resultsPath, toJson(merged), { what: "the merged results file" });
  const reportPath = writeReport(resultsPath, merged, outcomes, comparison ? { comparison } : {});
  emitCiOutputs(merged, outcomes, reportPath);
  if (o.junitPath) writeJunit(o.junitPath, merged, outcomes);
  return {
    results: merged,
    outcomes,
    ...(comparison ? { comparison } : {}),
    resultsPath,
    reportPath,
    // A shard stopped early (Ctrl-C, job time limit) left strategies aborted: exit 3, not 130.
    exitCode: exitCode(merged, outcomes, false),
  };
}

/** A failed gate wins over a strategy that could not run; an interrupted run is 130. */
function exitCode(results: ResultsFile, outcomes: readonly GateOutcome[], interrupted: boolean): number {
  if (interrupted) return EXIT.interrupted;
  if (exitCodeFor(outcomes) === EXIT.gateFailed) return EXIT.gateFailed;
  const failedRun = results.runs.some((r) =>
    r.strategies.some((s) => s.state !== "completed" && s.state !== "skipped"),
  );
  return failedRun ? EXIT.runFailed : EXIT.ok;
}

/** The results with each sweep's Pareto analysis (none: the field stays absent). */
function withSweeps(results: ResultsFile): ResultsFile {
  const sweeps = analyzeSweeps(results);
  if (sweeps.length > 0) results.sweeps = sweeps;
  else delete results.sweeps;
  return results;
}
