/**
 * `bench --gpus` with the real CLI on a CPU machine, against the stand-in libnvidia-ml
 * (test/native/fixtures/fake_nvml.cc, FAKE_NVML_GPUS GPUs): what a user gets when the
 * machine shows no GPU, a bad index, four runs spread over two GPUs (the tiny CPU model:
 * the GPUs only decide where runs go and what they record), with --shard, and a worker
 * NVML lists under a foreign PID (a container's PID namespace).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORKERS_DIR } from "../engines/process-fixtures.js";
import { fixture } from "../native/helpers.js";
import { resultsIn, runCli, scenarioDir, tinyScenario } from "../helpers/cli.js";
import { benchSummary } from "../../src/cli/bench-json.js";

let libDir = "";
let lib = "";
beforeAll(() => {
  libDir = mkdtempSync(join(tmpdir(), "vramgate-fake-nvml-"));
  lib = join(libDir, "libnvidia-ml.so.1");
  const cc = spawnSync("g++", ["-std=c++17", "-O1", "-shared", "-fPIC", "-o", lib, fixture("fake_nvml.cc")], {
    encoding: "utf8",
  });
  if (cc.status !== 0) throw new Error(`building the fake NVML failed (g++ is needed, as for the addon): ${cc.stderr}`);
});
afterAll(() => rmSync(libDir, { recursive: true, force: true }));

const FOUR = tinyScenario("four", "{ warmup: 1, iterations: 4, rounds: 2, replay: 0, confirm: false }").replace(
  "sequence: random",
  "sequence: [fixed, random, ascending, sawtooth]",
);
const SHORT = ["--no-traces", "--leak", "off", "--max-peak-mib", "100000"];
const fakeGpus = (n: number) => ({ VRAMGATE_NVML_PATH: lib, FAKE_NVML_GPUS: String(n) });

describe("bench --gpus", () => {
  it("no GPU, an unknown index, a duplicate: exit 2 before anything runs, saying why", async () => {
    const dir = scenarioDir({ "four.yaml": FOUR });
    const bench = (gpus: string, n: number) =>
      runCli(["bench", join(dir, "four.yaml"), ...SHORT, "--out", join(dir, `out-${n}`), "--gpus", gpus], {
        env: fakeGpus(n),
      });
    const [none, unknown, twice] = await Promise.all([bench("all", 0), bench("0,2", 2), bench("1,1", 2)]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--gpus all: this machine shows no GPU to vramgate (NVML lists no GPU)");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--gpus 0,2: expected GPU indices as nvidia-smi lists them (0, 1), found 2");
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("GPU 1 is named twice");
    for (const r of [none, unknown, twice]) {
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(resultsIn(join(dir, `out-${r === none ? 0 : 2}`))).toEqual([]);
    }
  });

  it("four runs over two GPUs: every run measured, on one GPU, recorded with UUID and clocks, in plan order", async () => {
    const dir = scenarioDir({ "four.yaml": FOUR });
    const out = join(dir, "out");
    const r = await runCli(["bench", join(dir, "four.yaml"), ...SHORT, "--out", out, "--gpus", "all"], {
      env: fakeGpus(2),
    });
    expect(r.stderr).toContain("vramgate: --gpus all: up to 2 runs at a time, one per GPU (0 Fake GPU, 1 Fake GPU)");
    expect(r.code).toBe(0);
    const [results] = resultsIn(out);
    expect(results!.runs.map((x) => x.sequence)).toEqual(["fixed", "random", "ascending", "sawtooth"]);
    const uuids = new Set<string>();
    for (const run of results!.runs) {
      expect(run.strategies.map((s) => s.state)).toEqual(["completed", "completed", "completed"]);
      expect(run.gpu).toMatchObject({
        name: "Fake GPU",
        driverVersion: "999.99",
        clocks: { smMHz: 1980, smMaxMHz: 1980, memMHz: 2619, memMaxMHz: 2619 },
      });
      expect(run.gpu!.uuid).toBe(`GPU-0000000${run.gpu!.index}-fake`);
      uuids.add(run.gpu!.uuid);
      // Each run's progress lines name its GPU.
      expect(r.stderr).toContain(`▶ [GPU ${run.gpu!.index}] ${run.key}:`);
      expect(r.stderr).toContain(`■ [GPU ${run.gpu!.index}] ${run.key}: finished`);
    }
    // bench --json names each run's GPU as the results file does.
    const summary = benchSummary({ results: results!, outcomes: [], exitCode: 0, resultsPath: "r", reportPath: "m" });
    expect(summary.runs.map((x) => [x.key, x.gpu?.uuid, x.gpu?.clocks])).toEqual(
      results!.runs.map((x) => [x.key, x.gpu!.uuid, x.gpu!.clocks]),
    );
    // Both GPUs took runs.
    expect(uuids).toEqual(new Set(["GPU-00000000-fake", "GPU-00000001-fake"]));
    expect(results!.environment.gpus.map((g) => g.uuid)).toEqual(["GPU-00000000-fake", "GPU-00000001-fake"]);
  });

  it("with --shard: the shard's runs only, spread over the GPUs", async () => {
    const dir = scenarioDir({ "four.yaml": FOUR });
    const out = join(dir, "out");
    const r = await runCli(
      ["bench", join(dir, "four.yaml"), ...SHORT, "--out", out, "--shard", "2/2", "--gpus", "1,0"],
      { env: fakeGpus(2) },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("vramgate: shard 2/2 (from --shard 2/2): 2 of 4 runs");
    const [results] = resultsIn(out);
    expect(results!.shard).toMatchObject({ index: 2, count: 2 });
    expect(results!.runs).toHaveLength(2);
    expect(new Set(results!.runs.map((x) => x.gpu?.uuid))).toEqual(new Set(["GPU-00000000-fake", "GPU-00000001-fake"]));
  });

  it("a worker NVML lists under another PID (a container): device-level figures, each strategy's own growth only", async () => {
    const dir = scenarioDir({});
    const state = join(dir, "nvml-state");
    writeFileSync(state, "");
    writeFileSync(
      join(dir, "container.yaml"),
      [
        "name: container",
        "engine: process",
        `process: { command: [python3, ${JSON.stringify(join(WORKERS_DIR, "container_gpu.py"))}] }`,
        "profile:",
        "  inputs:",
        "    input: { min: [1, 8], opt: [2, 8], max: [4, 8] }",
        "  sequence: fixed",
        "precision: fp32",
        "strategies: [persistent, scoped]",
        "baseline: scoped",
        "run: { warmup: 2, iterations: 30, rounds: 3, replay: 0, confirm: false, watchdogS: 30 }",
        "memory: { intervalMs: 2 }",
        "",
      ].join("\n"),
    );
    const out = join(dir, "out");
    const r = await runCli(["bench", join(dir, "container.yaml"), ...SHORT, "--out", out, "--gpus", "0"], {
      env: { ...fakeGpus(1), FAKE_NVML_STATE: state },
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "container/fixed/fp32 persistent: NVML does not list its process (another PID namespace, as in a container): its GPU figures are device-level\n",
    );
    const [results] = resultsIn(out);
    const [persistent, scoped] = results!.runs[0]!.strategies;
    const MiB = 1024 * 1024;
    for (const s of [persistent!, scoped!]) {
      expect(s.state).toBe("completed");
      expect(s.primarySignal).toBe("gpuProcessBytes");
      expect(s.gpuAttribution).toMatchObject({ mode: "device-level", reason: "foreign-pids-only", idle: true });
      expect(s.gpuAttribution!.listedPids.every((p) => p >= 700000)).toBe(true);
      // What its worker held once loaded: the 300 MiB "context", whatever its sibling held.
      expect(s.startBytes.gpuProcessBytes).toBe(300 * MiB);
    }
    // persistent: 8 MiB at activation + 1 MiB per call (2 warm-up + 30), all in its own turns.
    expect(persistent!.peakBytes.gpuProcessBytes! - 300 * MiB).toBe(40 * MiB);
    // scoped: at most activation + one call, never its sibling's 40 MiB of growth.
    expect(scoped!.peakBytes.gpuProcessBytes! - 300 * MiB).toBeLessThanOrEqual(9 * MiB);
    const md = readFileSync(join(out, readdirSync(out).find((f) => f.endsWith(".md"))!), "utf8");
    expect(md).toContain("**persistent**: NVML's per-process figure could not see its process");
    expect(md).toContain("The GPU was otherwise idle, so the figures are this strategy's own.");
  });

  it("doctor shows each GPU's clocks (now / at most) beside its UUID", async () => {
    const r = await runCli(["doctor"], { env: fakeGpus(2) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GPU 1 +Fake GPU, .*\(GPU-00000001-fake\)/);
    expect(r.stdout).toContain("  clocks       SM 1980 of 1980 MHz, memory 2619 of 2619 MHz (now / at most)");
    const json = JSON.parse((await runCli(["doctor", "--json"], { env: fakeGpus(1) })).stdout);
    expect(json.gpus[0].clocks).toEqual({ smMHz: 1980, smMaxMHz: 1980, memMHz: 2619, memMaxMHz: 2619 });
  });
});
