/**
 * A crash, a hang or a Ctrl-C must never lose what was measured: each leaves a valid
 * results JSON with the right states, and the other strategies' data intact.
 * Real CLI, real child processes, real onnxruntime.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { scenarioDir, tinyScenario, startCli, resultsIn, waitFor, runCli } from "../helpers/cli.js";

describe("faults", () => {
  it("a strategy's process killed mid-run is recorded as crashed; the others complete; exit 3", async () => {
    const dir = scenarioDir({ "s.yaml": tinyScenario("kill", "{ warmup: 5, iterations: 400000, rounds: 40, watchdogS: 60, maxDurationS: 10 }") });
    const out = join(dir, "out");
    const cli = startCli(["bench", join(dir, "s.yaml"), "--out", out, "--quiet"]);
    // Wait for the first round to land on disk, then kill the teardown strategy's process.
    const pid = await waitFor("a round on disk", () => {
      const t = resultsIn(out)[0]?.runs[0]?.strategies.find((s) => s.strategy === "teardown");
      return t && t.iterations > 0 ? t.pid : undefined;
    });
    process.kill(pid!, "SIGKILL");
    const { code, stderr } = await cli.done;
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(code).toBe(3);
    const r = resultsIn(out)[0]!;
    expect(r.state).toBe("completed");
    const byName = Object.fromEntries(r.runs[0]!.strategies.map((s) => [s.strategy, s]));
    expect(byName.teardown!.state).toBe("crashed");
    expect(byName.teardown!.error!.message).toMatch(/killed by SIGKILL/);
    expect(byName.teardown!.iterations).toBeGreaterThan(0);
    expect(byName.teardown!.error!.iteration).toBeGreaterThanOrEqual(byName.teardown!.iterations);
    for (const name of ["persistent", "scoped"]) {
      expect(byName[name]!.state).toBe("completed");
      expect(byName[name]!.iterations).toBeGreaterThan(byName.teardown!.iterations);
      expect(byName[name]!.analysis?.leak[byName[name]!.primarySignal]).toBeDefined();
    }
  });

  it("a worker that hangs is stopped by the watchdog: state timeout, others complete", async () => {
    const worker = join(import.meta.dirname, "../fixtures/workers/hangs.py");
    const yaml = `name: hang
engine: process
process: { command: [python3, ${JSON.stringify(worker)}], replyTimeoutS: 120 }
precision: fp32
profile:
  inputs:
    input: { min: [1, 4], opt: [1, 4], max: [1, 4] }
  sequence: fixed
strategies: [persistent]
baseline: persistent
run: { warmup: 0, iterations: 5, rounds: 1, watchdogS: 2 }
`;
    const dir = scenarioDir({ "hang.yaml": yaml, "ok.yaml": tinyScenario("ok", "{ warmup: 1, iterations: 20, rounds: 2 }") });
    const out = join(dir, "out");
    const t0 = Date.now();
    const { code, stderr } = await runCli(["bench", join(dir, "ok.yaml"), join(dir, "hang.yaml"), "--out", out, "--quiet"]);
    expect(Date.now() - t0).toBeLessThan(45_000);
    expect(code).toBe(3);
    expect(stderr).not.toMatch(/\n\s+at /);
    const r = resultsIn(out)[0]!;
    const hung = r.runs.find((x) => x.scenario === "hang")!.strategies[0]!;
    expect(hung.state).toBe("timeout");
    expect(hung.error!.message).toMatch(/no progress for 2 s/);
    const ok = r.runs.find((x) => x.scenario === "ok")!;
    expect(ok.strategies.every((s) => s.state === "completed" && s.iterations === 20)).toBe(true);
  });

  it("SIGINT to the parent stops the run, keeps finished runs intact, marks the rest aborted", async () => {
    const dir = scenarioDir({
      "a.yaml": tinyScenario("first", "{ warmup: 1, iterations: 30, rounds: 3 }"),
      "b.yaml": tinyScenario("second", "{ warmup: 1, iterations: 400000, rounds: 40, maxDurationS: 60 }"),
    });
    const out = join(dir, "out");
    const cli = startCli(["bench", join(dir, "a.yaml"), join(dir, "b.yaml"), "--out", out, "--quiet"]);
    await waitFor("the second run to measure", () => {
      const second = resultsIn(out)[0]?.runs.find((x) => x.scenario === "second");
      return second?.strategies.some((s) => s.iterations > 0) ? true : undefined;
    });
    cli.child.kill("SIGINT");
    const { code, stderr } = await cli.done;
    expect(code).toBe(130);
    expect(stderr).toMatch(/results gathered so far are kept/);
    const r = resultsIn(out)[0]!;
    expect(r.state).toBe("aborted");
    const first = r.runs.find((x) => x.scenario === "first")!;
    expect(first.strategies.map((s) => [s.state, s.iterations])).toEqual([["completed", 30], ["completed", 30], ["completed", 30]]);
    const second = r.runs.find((x) => x.scenario === "second")!;
    expect(second.strategies.every((s) => s.state === "aborted")).toBe(true);
    expect(second.strategies.some((s) => s.iterations > 0)).toBe(true);
    // No strategy process is left behind.
    for (const s of [...first.strategies, ...second.strategies]) {
      expect(() => process.kill(s.pid!, 0)).toThrow();
    }
  });
});
