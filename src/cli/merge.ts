/**
 * `vramgate merge A.json B.json … --out DIR`: the shards of a bench (or separate runs) →
 * one results file and one report, every gate evaluated over the whole. Exit codes as for
 * `bench` (0, 1 a gate failed, 3 a strategy could not run); 2 when the files cannot be one
 * bench: a run in two files, another results schema, shards of different plans, a shard
 * missing (unless --allow-missing), a --baseline from another machine (unless --force).
 */
import type { CommandModule } from "yargs";
import { preflightWrite } from "../io/atomic-write.js";
import { runMerge } from "../pipeline.js";
import type { ResultsFile } from "../results/types.js";
import { type GateArgs, gateOverrides, withGateFlags } from "./gate-flags.js";
import { printOutcome, withOutputFlags } from "./print-outcome.js";

interface MergeArgs extends GateArgs {
  files: string[];
  out: string;
  "allow-missing": boolean;
  json: boolean;
  quiet: boolean;
  wide: boolean;
  junit?: string;
  baseline?: string;
  force: boolean;
}

export const command: CommandModule<object, MergeArgs> = {
  command: "merge <files..>",
  describe:
    "Merge shards' results files into one results file and report; gates over the whole; the exit code is the gate",
  builder: (y) =>
    withGateFlags(
      withOutputFlags(y, { quiet: "no table" })
        .positional("files", { type: "string", array: true, demandOption: true, describe: "results JSON files" })
        .option("out", { type: "string", default: "results", describe: "folder for the merged results and report" })
        .option("allow-missing", {
          type: "boolean",
          default: false,
          describe: "merge although some shards of the plan are missing (their runs are then not gated)",
        })
        .option("baseline", {
          type: "string",
          describe: "results JSON of an earlier run (merged or not) to gate regressions of the whole against",
        })
        .option("force", {
          type: "boolean",
          default: false,
          describe: "compare with --baseline even if GPU/driver/engine differ",
        }),
      { baseline: true },
    ),
  handler: (a) => {
    const gates = gateOverrides(a);
    if (a.junit !== undefined) preflightWrite(a.junit, { what: "the JUnit report (--junit)" });
    const out = runMerge(a.files, {
      outDir: a.out,
      gates,
      argv: process.argv.slice(2),
      allowMissing: a["allow-missing"],
      force: a.force,
      ...(a.baseline ? { baselineFile: a.baseline } : {}),
      ...(a.junit ? { junitPath: a.junit } : {}),
    });
    printOutcome(out, {
      json: a.json,
      quiet: a.quiet,
      wide: a.wide,
      junit: a.junit,
      baseline: a.baseline,
      preface: mergedLine(out.results),
    });
    process.exitCode = out.exitCode;
  },
};

/** What was merged: files, shards, runs, hosts. */
function mergedLine(r: ResultsFile): string {
  const from = r.mergedFrom ?? [];
  const shards = from.filter((f) => f.shard).map((f) => f.shard!.index);
  const count = from.find((f) => f.shard)?.shard?.count;
  const hosts = new Set(from.map((f) => f.hostname));
  return (
    `vramgate: merged ${from.length} file${from.length === 1 ? "" : "s"}` +
    (shards.length ? ` (shards ${shards.sort((x, y) => x - y).join(", ")} of ${count})` : "") +
    `: ${r.runs.length} run${r.runs.length === 1 ? "" : "s"} from ${hosts.size} host${hosts.size === 1 ? "" : "s"}`
  );
}
