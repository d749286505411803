/**
 * `vramgate bench SCENARIO…`: run, analyse, report, gate.
 * The results JSON is on disk before analysis starts, so nothing measured is lost even
 * if reporting fails; the exit code is the gate.
 */
import type { CommandModule } from "yargs";
import { EXIT } from "../errors.js";
import { preflightWrite } from "../io/atomic-write.js";
import { type PipelineOutcome, planShard, prepare, runPipeline, type ShardPlan } from "../pipeline.js";
import { formatCount as count, formatDuration } from "../format.js";
import { parseShard, shardFromEnvironment } from "../scenarios/shard.js";
import { onlyRuns } from "../scenarios/only.js";
import { sweepEstimates } from "../scenarios/estimate.js";
import { applyOverrides, type RunOverrides } from "../scenarios/expand.js";
import type { Scenario } from "../scenarios/types.js";
import { numberFlag } from "./flags.js";
import { type GateArgs, gateOverrides, withGateFlags } from "./gate-flags.js";
import { printOutcome, withOutputFlags } from "./print-outcome.js";
import { parseGpus } from "../run/gpu-pool.js";
import { visibleGpus } from "../run/environment.js";
import { createProgress } from "./progress.js";

interface BenchArgs extends GateArgs {
  scenarios: string[];
  out: string;
  /** Numeric flags arrive as the user typed them when not numbers (see flags.ts). */
  iterations?: unknown;
  warmup?: unknown;
  rounds?: unknown;
  baseline?: string;
  json: boolean;
  quiet: boolean;
  wide: boolean;
  junit?: string;
  traces: boolean;
  "trace-allocations": boolean;
  force: boolean;
  shard?: string;
  gpus?: string;
  only?: string;
}

function positiveInt(name: string, v: unknown, min = 1): number | undefined {
  return numberFlag(name, v, { integer: true, min });
}

export const command: CommandModule<object, BenchArgs> = {
  command: "bench <scenarios..>",
  describe: "Run scenarios, judge leaks and throughput, write results + report; the exit code is the gate",
  builder: (y) =>
    withGateFlags(
      withOutputFlags(y, { quiet: "no progress or table" })
        .positional("scenarios", { type: "string", array: true, demandOption: true, describe: "scenario YAML files" })
        .option("out", { type: "string", default: "results", describe: "folder for results JSON, traces and reports" })
        .option("iterations", { requiresArg: true, describe: "override run.iterations (measured calls per strategy)" })
        .option("warmup", { requiresArg: true, describe: "override run.warmup" })
        .option("rounds", { requiresArg: true, describe: "override run.rounds (interleaved rounds)" })
        .option("baseline", { type: "string", describe: "results JSON of an earlier run to gate regressions against" })
        .option("force", {
          type: "boolean",
          default: false,
          describe: "compare with --baseline even if GPU/driver/engine differ",
        })
        .option("traces", {
          type: "boolean",
          default: true,
          describe: "write per-iteration CSV traces (--no-traces to skip)",
        })
        .option("trace-allocations", {
          type: "boolean",
          default: false,
          describe:
            "process workers with PyTorch: record allocation stacks for every strategy (by default only for those judged leak)",
        })
        .option("shard", {
          type: "string",
          requiresArg: true,
          describe:
            "run only shard i of n (1-based, e.g. 2/3); without it, read from VRAMGATE_SHARD, a Kubernetes Indexed Job, a Slurm array or Buildkite parallel jobs",
        })
        .option("gpus", {
          type: "string",
          requiresArg: true,
          describe:
            "run independent runs in parallel, one per GPU (nvidia-smi indices, e.g. 0,1,2,3, or all); a run's strategies stay on one GPU; more runs than GPUs queue",
        })
        .option("only", {
          type: "string",
          requiresArg: true,
          describe: "run only this run key, or every run of this sweep combination's key (re-run one combination)",
        }),
      { baseline: true },
    ),
  handler: async (a) => {
    const overrides = {
      iterations: positiveInt("iterations", a.iterations),
      warmup: positiveInt("warmup", a.warmup, 0),
      rounds: positiveInt("rounds", a.rounds),
    };
    const gates = gateOverrides(a);
    const shardSpec =
      a.shard !== undefined ? parseShard(String(a.shard), `--shard ${a.shard}`) : shardFromEnvironment(process.env);
    const visible = a.gpus === undefined ? undefined : visibleGpus();
    const gpus = visible && parseGpus(String(a.gpus), visible.gpus, visible.why);
    // --junit is written only at the end: refuse an unusable path before measuring anything.
    if (a.junit !== undefined) preflightWrite(a.junit, { what: "the JUnit report (--junit)" });
    const prepared = await prepare(a.scenarios, {
      ...(a.baseline ? { baselineFile: a.baseline } : {}),
      force: a.force,
    });
    if (a.only !== undefined) prepared.scenarios = onlyRuns(prepared.scenarios, String(a.only));
    if (!a.quiet && !a.json)
      for (const line of sweepLines(prepared.scenarios, overrides)) process.stderr.write(`${line}\n`);
    const shard = shardSpec && planShard(prepared, overrides, shardSpec);
    if (shard && !a.quiet && !a.json) process.stderr.write(`${shardLine(shard)}\n`);
    if (gpus && !a.quiet && !a.json)
      process.stderr.write(
        `vramgate: --gpus ${a.gpus}: up to ${gpus.length} run${gpus.length === 1 ? "" : "s"} at a time, one per GPU (${gpus.map((g) => `${g.index} ${g.name}`).join(", ")}); the others wait\n`,
      );

    const progress = createProgress({ quiet: a.quiet || a.json });
    const abort = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
      if (abort.signal.aborted) process.exit(EXIT.interrupted);
      process.stderr.write(
        `\nvramgate: ${sig}: stopping; results gathered so far are kept (press again to quit at once)\n`,
      );
      abort.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    let out: PipelineOutcome;
    try {
      out = await runPipeline(prepared, {
        outDir: a.out,
        overrides,
        gates,
        force: a.force,
        traces: a.traces,
        traceAllocations: a["trace-allocations"],
        argv: process.argv.slice(2),
        progress,
        signal: abort.signal,
        ...(a.junit ? { junitPath: a.junit } : {}),
        ...(shard ? { shard } : {}),
        ...(gpus ? { gpus } : {}),
      });
    } finally {
      progress.stop();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    printOutcome(out, { json: a.json, quiet: a.quiet, wide: a.wide, junit: a.junit, baseline: a.baseline });
    process.exitCode = out.exitCode;
  },
};

/** Which shard this is, why, and what it runs (stderr: stdout stays the table or the JSON). */
function shardLine(p: ShardPlan): string {
  const { index, count: n, source, plannedRuns } = p.record;
  const head = `vramgate: shard ${index}/${n} (from ${source})`;
  if (p.runs.length === 0)
    return `${head}: no runs (${count(plannedRuns)} run${plannedRuns === 1 ? "" : "s"} over ${n} shards); writing a results file with no runs, exit 0`;
  const share = p.totalEstimatedCalls > 0 ? Math.round((100 * p.estimatedCalls) / p.totalEstimatedCalls) : 0;
  return `${head}: ${count(p.runs.length)} of ${count(plannedRuns)} runs, ${count(p.estimatedCalls)} of ${count(p.totalEstimatedCalls)} estimated calls (${share} %): ${p.runs.join(", ")}`;
}

/** Before a sweep starts: its runs, the calls they make, and the longest it may take (stderr). */
function sweepLines(scenarios: readonly Scenario[], overrides: RunOverrides): string[] {
  return sweepEstimates(scenarios.map((s) => applyOverrides(s, overrides))).map(
    (e) =>
      `vramgate: sweep ${e.scenario}: ${count(e.combinations)} combination${e.combinations === 1 ? "" : "s"} → ${count(e.runs)} run${e.runs === 1 ? "" : "s"}${e.repeats > 0 ? `, the reference repeated last to measure drift,` : ""} (${count(e.processes)} strategy processes), about ${count(e.calls)} calls; at most ${formatDuration(e.maxSeconds)} measuring (run.maxDurationS per run), plus start-up`,
  );
}
