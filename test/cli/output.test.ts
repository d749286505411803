/**
 * What bench prints: --quiet still names every failure (one line each on stderr), --json
 * is the whole outcome in its documented shape, and the default table fits 100 columns.
 * Real CLI, real onnxruntime, the tiny model (fast on any machine; nothing here depends on speed).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BENCH_SUMMARY_SCHEMA } from "../../src/cli/bench-json.js";
import { runCli, scenarioDir, tinyScenario } from "../helpers/cli.js";

const RUN = "{ warmup: 1, iterations: 12, rounds: 3 }";
const WORKER = join(import.meta.dirname, "../fixtures/workers/dies.py");
const DIES = `name: dies
engine: process
process: { command: [python3, ${JSON.stringify(WORKER)}] }
precision: fp32
profile:
  inputs:
    input: { min: [1, 4], opt: [1, 4], max: [1, 4] }
  sequence: fixed
strategies: [persistent]
baseline: persistent
run: { warmup: 0, iterations: 4, rounds: 1 }
`;

describe("bench --quiet", () => {
  it("prints nothing when every gate holds", async () => {
    const dir = scenarioDir({ "ok.yaml": tinyScenario("ok", RUN) });
    const r = await runCli(["bench", join(dir, "ok.yaml"), "--out", join(dir, "out"), "--quiet"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("");
  });

  it("a failed gate: exit 1 and one FAIL line per failure on stderr", async () => {
    // Any process's resident memory is above 1 MiB: the peak gate fails for every strategy.
    const dir = scenarioDir({ "peak.yaml": tinyScenario("peak", RUN, "gate: { leak: off, maxPeakMiB: 1 }") });
    const r = await runCli(["bench", join(dir, "peak.yaml"), "--out", join(dir, "out"), "--quiet"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    const fails = lines.filter((l) => l.startsWith("vramgate: FAIL max-peak peak/random/fp32: "));
    expect(fails).toHaveLength(3);
    for (const s of ["persistent", "teardown", "scoped"])
      expect(fails.some((l) => l.includes(`: ${s}: peak`))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^vramgate: exit 1; results: .+\.json$/);
  });

  it("a strategy that crashed: exit 3 and the reason, one line", async () => {
    const dir = scenarioDir({ "dies.yaml": DIES });
    const r = await runCli(["bench", join(dir, "dies.yaml"), "--out", join(dir, "out"), "--quiet"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^vramgate: FAIL run dies\/fixed\/fp32: persistent did not complete: \w+/m);
    expect(r.stderr).toContain("exited with code 7");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    for (const line of r.stderr.trim().split("\n")) expect(line.startsWith("vramgate: ")).toBe(true);
  });
});

describe("bench --json", () => {
  it("prints the whole outcome: per strategy throughput with CI, latency, peak, verdict; gates; paths", async () => {
    const dir = scenarioDir({ "j.yaml": tinyScenario("j", RUN) });
    const r = await runCli(["bench", join(dir, "j.yaml"), "--out", join(dir, "out"), "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, any>;
    expect(out.schema).toBe(BENCH_SUMMARY_SCHEMA);
    expect(out.exitCode).toBe(0);
    expect(out.state).toBe("completed");
    expect(out.results).toMatch(/\.json$/);
    expect(out.report).toMatch(/\.md$/);
    expect(out.baseline).toBeNull();
    expect(out.runs).toHaveLength(1);
    const run = out.runs[0];
    expect(run).toMatchObject({ key: "j/random/fp32", engine: "onnxruntime", baseline: "scoped" });
    expect(typeof run.recommendation).toBe("object");
    expect(run.strategies.map((s: any) => s.strategy)).toEqual(["persistent", "teardown", "scoped"]);
    for (const s of run.strategies) {
      expect(s.state).toBe("completed");
      expect(s.iterations).toBe(12);
      expect(s.callsPerSecond).toBeGreaterThan(0);
      expect(s.latencyMs.p50).toBeGreaterThan(0);
      expect(s.latencyMs.p99).toBeGreaterThanOrEqual(s.latencyMs.p50);
      expect(s.signal).toBe("rssBytes");
      expect(s.peakBytes).toBeGreaterThan(0);
      expect(["flat", "plateau", "shape-growth", "leak", "inconclusive"]).toContain(s.verdict);
      expect(s.error).toBeNull();
      expect(s.throughput.ci).toHaveLength(2);
      // A random sequence: replay of seen shapes after the rounds, and the shape figures.
      expect(s.confirmation.replayCalls).toBeGreaterThanOrEqual(20);
      expect(s.shapes.newShapeCalls + s.shapes.repeatCalls).toBeGreaterThan(12);
      expect(s.shapes.distinct).toBeGreaterThan(0);
      expect(s.shapes.allowed.count).toBeGreaterThanOrEqual(s.shapes.distinct);
    }
    const scoped = run.strategies[2];
    expect(scoped.throughput).toEqual({ ratio: 1, ci: [1, 1], claim: "baseline", rounds: 3 });
    const persistent = run.strategies[0];
    expect(persistent.throughput.ratio).toBeGreaterThan(0);
    expect(persistent.throughput.ci[0]).toBeLessThanOrEqual(persistent.throughput.ratio);
    expect(["faster", "slower", "within-noise"]).toContain(persistent.throughput.claim);
    expect(out.gates.length).toBeGreaterThan(0);
    for (const g of out.gates) expect(["pass", "warn", "fail"]).toContain(g.status);
    // Nothing else on stdout (progress goes nowhere with --json).
    expect(r.stdout.trim().startsWith("{")).toBe(true);
  });
});

describe("bench table width", () => {
  it("fits 100 columns by default; --wide prints every column", async () => {
    const dir = scenarioDir({ "w.yaml": tinyScenario("w", RUN) });
    const narrow = await runCli(["bench", join(dir, "w.yaml"), "--out", join(dir, "out")]);
    expect(narrow.code).toBe(0);
    const table = narrow.stdout.split("\n").filter((l) => /^[│┌├└]/.test(l));
    expect(table.length).toBeGreaterThan(4);
    for (const l of table) expect([...l].length).toBeLessThanOrEqual(100);
    expect(narrow.stdout).not.toContain("slope [95% CI]");
    const wide = await runCli(["bench", join(dir, "w.yaml"), "--out", join(dir, "out2"), "--wide"]);
    expect(wide.code).toBe(0);
    expect(wide.stdout).toContain("slope [95% CI]");
  }, 120_000);
});
