/**
 * Scale out on one machine, end to end with the real CLI: the default scenario (shortened)
 * and a 4-run scenario as one bench, and the same bench cut into 3 shards run as 3
 * processes at once (one by --shard, one from a Kubernetes Indexed Job's variables, one
 * from a Slurm array's), then `merge`. The merged file holds the unsharded run's runs, its
 * gates (name, run, strategy, status) and its exit code; `merge` of overlapping shards is
 * refused (exit 2); `compare` reads the merged file; an empty shard writes a valid file.
 *
 * Gates whose status depends on the machine's speed or noise (a leak verdict after 4
 * calls) would make the two runs disagree for reasons unrelated to sharding: the leak gate
 * is off, and the gates kept decide the same on any machine (every peak is above 1 MiB:
 * fail; no strategy is 1,000× slower than the baseline: pass). Timings are never compared.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readResultsFile } from "../../src/results/read.js";
import type { ResultsFile } from "../../src/results/types.js";
// runCli leaves out the schedulers' variables (helpers/cli.ts SHARD_VARIABLES): the
// "unsharded" run is unsharded even when this suite runs inside a Slurm array.
import { runCli, scenarioDir, tinyScenario } from "../helpers/cli.js";

const SHORT = ["--iterations", "4", "--rounds", "2", "--warmup", "1", "--no-traces"];
const GATES = ["--leak", "off", "--max-peak-mib", "1", "--max-slowdown", "0.999"];
/** Four runs (one per sequence), nothing replayed or confirmed: short on any machine. */
const FOUR = tinyScenario("four", "{ warmup: 1, iterations: 4, rounds: 2, replay: 0, confirm: false }").replace(
  "sequence: random",
  "sequence: [fixed, random, ascending, sawtooth]",
);

function onlyJson(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  expect(files).toHaveLength(1);
  return join(dir, files[0]!);
}

const gateSet = (r: ResultsFile) =>
  (r.gates ?? []).map((g) => `${g.gate} ${g.run} ${g.strategy ?? "-"} ${g.status}`).sort();
const runSet = (r: ResultsFile) =>
  r.runs.map((x) => `${x.key}: ${x.strategies.map((s) => s.strategy).join(",")}`).sort();

describe("bench --shard + merge, 3 processes", () => {
  it("merged shards equal the unsharded run: runs, gates, exit code; overlap refused; compare reads it", async () => {
    const dir = scenarioDir({ "four.yaml": FOUR });
    const scenarios = ["scenarios/resnet.yaml", join(dir, "four.yaml")];
    const bench = (out: string, extra: string[], env: Record<string, string> = {}) =>
      runCli(["bench", ...scenarios, ...SHORT, ...GATES, "--out", join(dir, out), ...extra], { env });

    const emptyBench = (out: string, extra: string[], env: Record<string, string> = {}) =>
      runCli(["bench", join(dir, "four.yaml"), ...SHORT, "--out", join(dir, out), ...extra], { env });
    const [whole, s1, s2, s3, empty, emptyJson] = await Promise.all([
      bench("whole", ["--quiet"]),
      bench("s1", ["--shard", "1/3"]),
      bench("s2", [], { JOB_COMPLETION_INDEX: "1", VRAMGATE_SHARD_COUNT: "3" }),
      bench("s3", [], { SLURM_ARRAY_TASK_ID: "7", SLURM_ARRAY_TASK_COUNT: "3", SLURM_ARRAY_TASK_MIN: "5" }),
      emptyBench("empty", ["--shard", "6/6"]),
      emptyBench("empty-json", ["--json"], { VRAMGATE_SHARD: "5/6" }),
    ]);

    // Each shard says which it is and why. The default scenario's run (3 × (1 + 4 + 20)
    // estimated calls: random shapes, 20 replayed) outweighs four tiny runs of 3 × 5.
    expect(s1.stderr).toContain("vramgate: shard 1/3 (from --shard 1/3): 1 of 5 runs, 75 of 135 estimated calls");
    expect(s1.stderr).toContain("resnet18-cpu/random/fp32");
    expect(s2.stderr).toContain(
      "vramgate: shard 2/3 (from Kubernetes Indexed Job: JOB_COMPLETION_INDEX=1, VRAMGATE_SHARD_COUNT=3): 2 of 5 runs",
    );
    expect(s3.stderr).toContain(
      "vramgate: shard 3/3 (from Slurm job array: SLURM_ARRAY_TASK_ID=7, SLURM_ARRAY_TASK_COUNT=3, SLURM_ARRAY_TASK_MIN=5): 2 of 5 runs",
    );
    expect(whole.code).toBe(1); // --max-peak-mib 1 fails everywhere
    for (const s of [s1, s2, s3]) expect(s.code).toBe(1);

    // An empty shard: a valid results file with no runs, exit 0, and it says so.
    expect(empty.stderr).toContain("vramgate: shard 6/6 (from --shard 6/6): no runs (4 runs over 6 shards)");
    expect(empty.code).toBe(0);
    expect(emptyJson.code).toBe(0);
    expect(emptyJson.stderr).toBe("");
    expect(JSON.parse(emptyJson.stdout)).toMatchObject({
      exitCode: 0,
      runs: [],
      shard: { index: 5, count: 6, source: "VRAMGATE_SHARD=5/6" },
    });
    const emptyResults = readResultsFile(onlyJson(join(dir, "empty")));
    expect(emptyResults.runs).toEqual([]);
    expect(emptyResults.shard).toMatchObject({ index: 6, count: 6, plannedRuns: 4 });

    const shardFiles = ["s1", "s2", "s3"].map((s) => onlyJson(join(dir, s)));
    const merged = await runCli(["merge", ...shardFiles, "--out", join(dir, "merged"), ...GATES, "--quiet"]);
    expect(merged.code).toBe(whole.code);
    const wholeResults = readResultsFile(onlyJson(join(dir, "whole")));
    const mergedFile = onlyJson(join(dir, "merged"));
    const mergedResults = readResultsFile(mergedFile);
    expect(runSet(mergedResults)).toEqual(runSet(wholeResults));
    expect(runSet(mergedResults)).toHaveLength(5);
    expect(gateSet(mergedResults)).toEqual(gateSet(wholeResults));
    expect(gateSet(mergedResults).length).toBeGreaterThan(0);
    expect(new Set(mergedResults.runs.map((r) => r.origin?.shard?.index))).toEqual(new Set([1, 2, 3]));
    expect(readdirSync(join(dir, "merged")).some((f) => f.endsWith(".md"))).toBe(true);

    // A baseline for the whole (here the unsharded run): regression gates over every run.
    const wholeFile = onlyJson(join(dir, "whole"));
    const againstBase = await runCli([
      "merge",
      ...shardFiles,
      "--out",
      join(dir, "merged-base"),
      ...GATES,
      "--baseline",
      wholeFile,
      "--max-regression",
      "0.99",
      "--max-memory-increase",
      "0.99",
      "--json",
    ]);
    expect(againstBase.code).toBe(1); // the peak gate, as above
    const summary = JSON.parse(againstBase.stdout);
    expect(summary.baseline).toMatchObject({ file: wholeFile, comparedWith: wholeResults.runId, forced: false });
    expect(
      new Set(
        summary.gates.filter((g: { gate: string }) => g.gate === "regression").map((g: { run: string }) => g.run),
      ),
    ).toEqual(new Set(wholeResults.runs.map((r) => r.key)));

    // Overlapping shards (the whole run and shard 1 hold the same run): refused, exit 2.
    const overlap = await runCli(["merge", onlyJson(join(dir, "whole")), shardFiles[0]!, "--out", join(dir, "x")]);
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toContain("merge: a run is in more than one file (overlapping shards");
    expect(overlap.stderr).toContain("resnet18-cpu/random/fp32");
    // A shard left out: refused, exit 2.
    const missing = await runCli(["merge", shardFiles[0]!, shardFiles[1]!, "--out", join(dir, "x")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("merge: shard 3 of 3 missing (5 runs planned)");

    // compare reads the merged file as any results file (same machine: no --force).
    const cmp = await runCli([
      "compare",
      onlyJson(join(dir, "whole")),
      mergedFile,
      "--max-regression",
      "0.99",
      "--max-memory-increase",
      "0.99",
    ]);
    expect(cmp.stderr).not.toMatch(/different machine|--force/);
    expect([0, 1]).toContain(cmp.code);
    for (const key of ["resnet18-cpu/random/fp32", "four/fixed/fp32", "four/sawtooth/fp32"])
      expect(cmp.stdout).toContain(key);
  }, 600_000);
});
