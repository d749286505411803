/**
 * `vramgate bench SCENARIO…`: run, analyse, report, gate.
 * The results JSON is on disk before analysis starts, so nothing measured is lost even
 * if reporting fails; the exit code is the gate.
 */
import type { CommandModule } from "yargs";
import { loadScenario } from "../scenarios/parse.js";
import type { GateSpec, Scenario } from "../scenarios/types.js";
import { runBench } from "../run/orchestrator.js";
import { preflight } from "../run/preflight.js";
import { preflightWrite, writeFileAtomic, toJson } from "../io/atomic-write.js";
import { analyzeResults, judgeStrategy } from "../analysis/analyze-results.js";
import { evaluateGates, exitCodeFor } from "../analysis/gates.js";
import { compareEnvironments, compareResults } from "../analysis/compare.js";
import { collectEnvironment } from "../run/environment.js";
import { writeReport } from "../report/markdown.js";
import { failureLines, formatSummary } from "../report/terminal.js";
import { benchSummary } from "./bench-json.js";
import { emitCiOutputs } from "../report/ci.js";
import { writeJunit } from "../report/junit.js";
import { readResultsFile } from "../results/read.js";
import { EXIT, InputError } from "../errors.js";
import { createProgress } from "./progress.js";
import { numberFlag } from "./flags.js";

interface BenchArgs {
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
  leak?: "fail" | "warn" | "off";
  "max-residual-mib"?: unknown;
  "max-slowdown"?: unknown;
  "max-peak-mib"?: unknown;
  "max-regression"?: unknown;
  "max-memory-increase"?: unknown;
  force: boolean;
}

function positiveInt(name: string, v: unknown, min = 1): number | undefined {
  return numberFlag(name, v, { integer: true, min });
}

function gateOverrides(a: BenchArgs): Partial<GateSpec> {
  const o: Partial<GateSpec> = {};
  if (a.leak) o.leak = a.leak;
  const num = (flag: keyof BenchArgs, key: keyof GateSpec) => {
    const v = numberFlag(String(flag), a[flag], { min: 0 });
    if (v !== undefined) (o as Record<string, unknown>)[key] = v;
  };
  num("max-residual-mib", "maxResidualMiB");
  num("max-slowdown", "maxSlowdown");
  num("max-peak-mib", "maxPeakMiB");
  num("max-regression", "maxRegression");
  num("max-memory-increase", "maxMemoryIncrease");
  return o;
}

export const command: CommandModule<object, BenchArgs> = {
  command: "bench <scenarios..>",
  describe: "Run scenarios, judge leaks and throughput, write results + report; the exit code is the gate",
  builder: (y) =>
    y
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
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print the whole outcome as one JSON object on stdout (schema vramgate.bench-summary/1)",
      })
      .option("quiet", {
        type: "boolean",
        default: false,
        describe: "no progress or table; errors and failed gates only, one line each on stderr",
      })
      .option("wide", {
        type: "boolean",
        default: false,
        describe: "print every column of the table (slope, p50, time to OOM, residual), not the 100-column one",
      })
      .option("junit", { type: "string", describe: "also write gate outcomes as JUnit XML to this file" })
      .option("traces", {
        type: "boolean",
        default: true,
        describe: "write per-iteration CSV traces (--no-traces to skip)",
      })
      .option("leak", { choices: ["fail", "warn", "off"] as const, describe: "override gate.leak" })
      .option("max-residual-mib", { requiresArg: true, describe: "override gate.maxResidualMiB" })
      .option("max-slowdown", { requiresArg: true, describe: "override gate.maxSlowdown (fraction)" })
      .option("max-peak-mib", { requiresArg: true, describe: "override gate.maxPeakMiB" })
      .option("max-regression", {
        requiresArg: true,
        describe: "override gate.maxRegression (fraction, needs --baseline)",
      })
      .option("max-memory-increase", {
        requiresArg: true,
        describe: "override gate.maxMemoryIncrease (fraction, needs --baseline)",
      }),
  handler: async (a) => {
    const overrides = {
      iterations: positiveInt("iterations", a.iterations),
      warmup: positiveInt("warmup", a.warmup, 0),
      rounds: positiveInt("rounds", a.rounds),
    };
    const gates = gateOverrides(a);
    // --junit is written only at the end: refuse an unusable path before measuring anything.
    if (a.junit !== undefined) preflightWrite(a.junit, { what: "the JUnit report (--junit)" });
    // Validate every input before measuring anything.
    const scenarios: Scenario[] = [];
    const problems: string[] = [];
    for (const f of a.scenarios) {
      try {
        scenarios.push(await loadScenario(f));
      } catch (e) {
        if (e instanceof InputError) problems.push(e.message);
        else throw e;
      }
    }
    if (problems.length) throw new InputError(problems.join("\n"));
    // What depends on the engines and this machine (precision vs model, provider, engine
    // built, worker command), once and located, before any strategy child starts.
    await preflight(scenarios);
    const baseline = a.baseline ? readResultsFile(a.baseline) : undefined;
    if (baseline && !a.force) {
      // Refuse before measuring, not after: a different GPU or driver makes the comparison meaningless.
      // Engines are not loaded yet: versions knowable now (onnxruntime's package) are compared
      // here, the rest after the run, when every child has reported its engine's versions.
      const engines = [...new Set(scenarios.map((s) => s.engine))];
      const diffs = compareEnvironments(baseline.environment, collectEnvironment({ engines }), engines, {
        partial: true,
      });
      if (diffs.length) {
        throw new InputError(
          `--baseline ${a.baseline} was measured on a different machine or software:\n  ${diffs.join("\n  ")}\nRun the baseline here, or pass --force to compare anyway.`,
        );
      }
    }

    const progress = createProgress({ quiet: a.quiet || a.json });
    const abort = new AbortController();
    let interrupted = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (interrupted) process.exit(130);
      interrupted = true;
      process.stderr.write(
        `\nvramgate: ${sig}: stopping; results gathered so far are kept (press again to quit at once)\n`,
      );
      abort.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    let run;
    try {
      run = await runBench({
        scenarios,
        outDir: a.out,
        overrides,
        traces: a.traces,
        argv: process.argv.slice(2),
        progress,
        signal: abort.signal,
        judge: judgeStrategy,
      });
    } finally {
      progress.stop();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }

    const results = analyzeResults(run.results);
    writeFileAtomic(run.path, toJson(results));
    // Engine versions are known only now; a mismatch here still keeps the results on disk.
    const comparison = baseline
      ? compareResults(baseline, results, {
          force: a.force,
          maxRegression: gates.maxRegression,
          maxMemoryIncrease: gates.maxMemoryIncrease,
        })
      : undefined;
    const outcomes = evaluateGates(results, { overrides: gates, baselineFile: baseline, comparison, force: a.force });
    results.gates = outcomes;
    writeFileAtomic(run.path, toJson(results));
    const reportPath = writeReport(run.path, results, outcomes, { comparison });
    emitCiOutputs(results, outcomes, reportPath);
    if (a.junit) writeJunit(a.junit, results, outcomes);

    const failedRun = results.runs.some((r) =>
      r.strategies.some((s) => s.state !== "completed" && s.state !== "skipped"),
    );
    const gateCode = exitCodeFor(outcomes);
    const code = interrupted
      ? 130
      : gateCode === EXIT.gateFailed
        ? EXIT.gateFailed
        : failedRun
          ? EXIT.runFailed
          : EXIT.ok;

    if (a.json) {
      const summary = benchSummary({
        results,
        outcomes,
        exitCode: code,
        resultsPath: run.path,
        reportPath,
        ...(a.junit ? { junitPath: a.junit } : {}),
        ...(a.baseline ? { baseline: { file: a.baseline, ...(comparison ? { comparison } : {}) } } : {}),
      });
      process.stdout.write(toJson(summary) + "\n");
    } else if (!a.quiet) {
      process.stdout.write(
        formatSummary(results, outcomes, { color: process.stdout.isTTY === true, wide: a.wide }) + "\n",
      );
      process.stdout.write(`results: ${run.path}\nreport:  ${reportPath}\n`);
    } else {
      // --quiet still says why the exit code is not 0: one line per failure, on stderr.
      for (const line of failureLines(outcomes)) process.stderr.write(`vramgate: ${line}\n`);
      if (code !== EXIT.ok && code !== 130) process.stderr.write(`vramgate: exit ${code}; results: ${run.path}\n`);
    }
    process.exitCode = code;
  },
};
