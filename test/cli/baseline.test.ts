/**
 * The PR flow on one machine: a run, then `bench --baseline` of the same scenario, then
 * `compare`, all accepted without --force; a baseline from other software is refused
 * before anything is measured, with the difference named. Real CLI, real onnxruntime.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareEnvironments } from "../../src/analysis/compare.js";
import { collectEnvironment, engineVersionsBeforeLoad } from "../../src/run/environment.js";
import type { ResultsFile } from "../../src/results/types.js";
import { runCli, scenarioDir, tinyScenario } from "../helpers/cli.js";

const RUN = "{ warmup: 1, iterations: 12, rounds: 3 }";
// Wide thresholds: this is about the baseline being accepted, not about speed (two short
// runs on a busy machine may differ by more than the default 5 %).
const LOOSE = ["--max-regression", "0.9", "--max-memory-increase", "10"];

function onlyJson(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  expect(files).toHaveLength(1);
  return join(dir, files[0]!);
}

describe("environment before the engines load", () => {
  it("knows onnxruntime's version from the installed package, the one its child reports", () => {
    const pkg = JSON.parse(readFileSync("node_modules/onnxruntime-node/package.json", "utf8")) as { version: string };
    expect(engineVersionsBeforeLoad(["onnxruntime"])).toEqual({ onnxruntime: pkg.version });
    expect(engineVersionsBeforeLoad(["libtorch", "process"])).toEqual({});
    expect(collectEnvironment({ engines: ["onnxruntime"] }).engines).toEqual({ onnxruntime: pkg.version });
    expect(collectEnvironment().engines).toEqual({});
  });

  it("partial: an engine version not known yet is not a difference; a known different one is", () => {
    const here = collectEnvironment();
    const base = { ...here, engines: { onnxruntime: "1.30.0", "process-worker": "w (protocol 1)" } };
    // Before the run nothing is loaded: nothing to compare for the engines.
    expect(compareEnvironments(base, here, ["onnxruntime"], { partial: true })).toEqual([]);
    expect(compareEnvironments(base, here, ["process"], { partial: true })).toEqual([]);
    // Without partial (after the run, both files complete) an absent engine is a difference.
    expect(compareEnvironments(base, here, ["onnxruntime"])).toEqual(["onnxruntime: 1.30.0 vs absent"]);
    expect(
      compareEnvironments(base, { ...here, engines: { onnxruntime: "1.31.0" } }, ["onnxruntime"], { partial: true }),
    ).toEqual(["onnxruntime: 1.30.0 vs 1.31.0"]);
    expect(compareEnvironments(base, { ...here, cpu: "Another CPU" }, ["onnxruntime"], { partial: true })).toEqual([
      `CPU: ${here.cpu} vs Another CPU`,
    ]);
  });
});

describe("bench --baseline on the same machine", () => {
  it("accepts it without --force, then compare accepts the pair; other software is refused before measuring", async () => {
    const dir = scenarioDir({ "s.yaml": tinyScenario("pr", RUN) });
    const scenario = join(dir, "s.yaml");

    const base = await runCli(["bench", scenario, "--out", join(dir, "base"), "--quiet"]);
    expect(base.stderr).toBe("");
    expect(base.code).toBe(0);
    const baseFile = onlyJson(join(dir, "base"));

    const head = await runCli([
      "bench",
      scenario,
      "--out",
      join(dir, "head"),
      "--baseline",
      baseFile,
      ...LOOSE,
      "--quiet",
    ]);
    expect(head.stderr).not.toMatch(/different machine|--force/);
    expect(head.code).toBe(0);
    const headFile = onlyJson(join(dir, "head"));
    const headResults = JSON.parse(readFileSync(headFile, "utf8")) as ResultsFile;
    expect(headResults.gates?.some((g) => g.gate === "regression")).toBe(true);

    const cmp = await runCli([
      "compare",
      baseFile,
      headFile,
      "--max-regression",
      "0.9",
      "--max-memory-increase",
      "0.99",
    ]);
    expect(cmp.stderr).toBe("");
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).not.toContain("--force");

    // The same baseline, as if measured with another onnxruntime: refused at once, exit 2.
    const other = JSON.parse(readFileSync(baseFile, "utf8")) as ResultsFile;
    const mine = other.environment.engines.onnxruntime!;
    other.environment.engines.onnxruntime = "0.0.1";
    const otherFile = join(dir, "other-base.json");
    writeFileSync(otherFile, JSON.stringify(other));
    const refused = await runCli(["bench", scenario, "--out", join(dir, "refused"), "--baseline", otherFile]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`onnxruntime: 0.0.1 vs ${mine}`);
    expect(refused.stderr).toContain("--force");
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "refused"))).toBe(false);

    // compare names the difference too, and --force compares anyway.
    const cmpOther = await runCli(["compare", otherFile, headFile]);
    expect(cmpOther.code).toBe(2);
    expect(cmpOther.stderr).toContain(`onnxruntime: 0.0.1 vs ${mine}`);
  }, 120_000);
});
