/**
 * `vramgate bench SCENARIO…`: run, analyse, report, gate.
 * The results JSON is on disk before analysis starts, so nothing measured is lost even
 * if reporting fails; the exit code is the gate.
 */
import type { CommandModule } from "yargs";
import { loadScenario } from "../scenarios/parse.js";
import type { GateSpec, Scenario } from "../scenarios/types.js";
import { runBench } from "../run/orchestrator.js";
import { writeFileAtomic, toJson } from "../run/atomic-write.js";
import { analyzeResults } from "../analysis/analyze-results.js";
import { evaluateGates, exitCodeFor } from "../analysis/gates.js";
import { compareEnvironments, compareResults } from "../analysis/compare.js";
import { collectEnvironment } from "../run/environment.js";
import { writeReport } from "../report/markdown.js";
import { formatSummary } from "../report/terminal.js";
import { emitCiOutputs } from "../report/ci.js";
import { writeJunit } from "../report/junit.js";
import { readResultsFile } from "../results/read.js";
import { EXIT, InputError } from "./errors.js";
import { createProgress } from "./progress.js";

interface BenchArgs {
  scenarios: string[];
  out: string;
  iterations?: number;
  warmup?: number;
  rounds?: number;
  baseline?: string;
  json: boolean;
  quiet: boolean;
  junit?: string;
  traces: boolean;
  leak?: "fail" | "warn" | "off";
  "max-residual-mib"?: number;
  "max-slowdown"?: number;
  "max-peak-mib"?: number;
  "max-regression"?: number;
  "max-memory-increase"?: number;
  force: boolean;
}

function positiveInt(name: string, v: number | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min) throw new InputError(`--${name}: expected an integer ≥ ${min}, found ${JSON.stringify(v)}.`);
  return v;
}

function gateOverrides(a: BenchArgs): Partial<GateSpec> {
  const o: Partial<GateSpec> = {};
  if (a.leak) o.leak = a.leak;
  const num = (flag: keyof BenchArgs, key: keyof GateSpec) => {
    const v = a[flag];
    if (v === undefined) return;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new InputError(`--${String(flag)}: expected a number ≥ 0, found ${JSON.stringify(v)}.`);
    (o as Record<string, unknown>)[key] = v;
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
      .option("iterations", { type: "number", describe: "override run.iterations (measured calls per strategy)" })
      .option("warmup", { type: "number", describe: "override run.warmup" })
      .option("rounds", { type: "number", describe: "override run.rounds (interleaved rounds)" })
      .option("baseline", { type: "string", describe: "results JSON of an earlier run to gate regressions against" })
      .option("force", { type: "boolean", default: false, describe: "compare with --baseline even if GPU/driver/engine differ" })
      .option("json", { type: "boolean", default: false, describe: "print a JSON summary on stdout" })
      .option("quiet", { type: "boolean", default: false, describe: "no progress or table; only errors" })
      .option("junit", { type: "string", describe: "also write gate outcomes as JUnit XML to this file" })
      .option("traces", { type: "boolean", default: true, describe: "write per-iteration CSV traces (--no-traces to skip)" })
      .option("leak", { choices: ["fail", "warn", "off"] as const, describe: "override gate.leak" })
      .option("max-residual-mib", { type: "number", describe: "override gate.maxResidualMiB" })
      .option("max-slowdown", { type: "number", describe: "override gate.maxSlowdown (fraction)" })
      .option("max-peak-mib", { type: "number", describe: "override gate.maxPeakMiB" })
      .option("max-regression", { type: "number", describe: "override gate.maxRegression (fraction, needs --baseline)" })
      .option("max-memory-increase", { type: "number", describe: "override gate.maxMemoryIncrease (fraction, needs --baseline)" }),
  handler: async (a) => {
    const overrides = {
      iterations: positiveInt("iterations", a.iterations),
      warmup: positiveInt("warmup", a.warmup, 0),
      rounds: positiveInt("rounds", a.rounds),
    };
    const gates = gateOverrides(a);
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
    const baseline = a.baseline ? readResultsFile(a.baseline) : undefined;
    if (baseline && !a.force) {
      // Refuse before measuring, not after: a different GPU or driver makes the comparison meaningless.
      const diffs = compareEnvironments(baseline.environment, collectEnvironment(), [...new Set(scenarios.map((s) => s.engine))]);
      if (diffs.length) {
        throw new InputError(`--baseline ${a.baseline} was measured on a different machine or software:\n  ${diffs.join("\n  ")}\nRun the baseline here, or pass --force to compare anyway.`);
      }
    }

    const progress = createProgress({ quiet: a.quiet || a.json });
    const abort = new AbortController();
    let interrupted = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (interrupted) process.exit(130);
      interrupted = true;
      process.stderr.write(`\nvramgate: ${sig}: stopping; results gathered so far are kept (press again to quit at once)\n`);
      abort.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    let run;
    try {
      run = await runBench({ scenarios, outDir: a.out, overrides, traces: a.traces, argv: process.argv.slice(2), progress, signal: abort.signal });
    } finally {
      progress.stop();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }

    const results = analyzeResults(run.results);
    writeFileAtomic(run.path, toJson(results));
    // Engine versions are known only now; a mismatch here still keeps the results on disk.
    const comparison = baseline ? compareResults(baseline, results, { force: a.force, maxRegression: gates.maxRegression, maxMemoryIncrease: gates.maxMemoryIncrease }) : undefined;
    const outcomes = evaluateGates(results, { overrides: gates, baselineFile: baseline, comparison, force: a.force });
    results.gates = outcomes;
    writeFileAtomic(run.path, toJson(results));
    const reportPath = writeReport(run.path, results, outcomes, { comparison });
    emitCiOutputs(results, outcomes, reportPath);
    if (a.junit) writeJunit(a.junit, results, outcomes);

    const failedRun = results.runs.some((r) => r.strategies.some((s) => s.state !== "completed" && s.state !== "skipped"));
    const gateCode = exitCodeFor(outcomes);
    const code = interrupted ? 130 : gateCode === EXIT.gateFailed ? EXIT.gateFailed : failedRun ? EXIT.runFailed : EXIT.ok;

    if (a.json) {
      process.stdout.write(toJson({ results: run.path, report: reportPath, exitCode: code, gates: outcomes }) + "\n");
    } else if (!a.quiet) {
      process.stdout.write(formatSummary(results, outcomes, { color: process.stdout.isTTY === true }) + "\n");
      process.stdout.write(`results: ${run.path}\nreport:  ${reportPath}\n`);
    }
    process.exitCode = code;
  },
};
