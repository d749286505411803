/**
 * A crash, a hang or a Ctrl-C must never lose what was measured: each leaves a valid
 * results JSON with the right states, and the other strategies' data intact.
 * Real CLI, real child processes, real onnxruntime.
 *
 * Nothing here depends on the machine's speed: runs end by their call counts (fixed
 * shapes: no replay phase; no maxDurationS cut-off), the fault is injected after the first
 * round is on disk while many rounds remain, and the time limits are only there to tell a
 * working mechanism (seconds) from a broken one (the 10 s grace timer, the 600 s reply
 * timeout), with room for a loaded 2-core runner.
 */
import { alive, processesRunning } from "../helpers/processes.js";
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { copyFileSync } from "node:fs";
import { scenarioDir, tinyFixedScenario, tinyScenario, startCli, resultsIn, waitFor, runCli } from "../helpers/cli.js";

describe("faults", () => {
  it("a strategy's process killed mid-run is recorded as crashed; the others complete; exit 3", async () => {
    // 100 rounds of 50 calls: the kill lands after round 1 with ~99 rounds to go.
    const ROUNDS = 100;
    const ITERATIONS = ROUNDS * 50;
    const dir = scenarioDir({
      "s.yaml": tinyFixedScenario("kill", `{ warmup: 5, iterations: ${ITERATIONS}, rounds: ${ROUNDS}, watchdogS: 60 }`),
    });
    const out = join(dir, "out");
    const cli = startCli(["bench", join(dir, "s.yaml"), "--out", out, "--quiet"]);
    // Wait for the first round to land on disk, then kill the teardown strategy's process.
    const pid = await waitFor(
      "a round on disk",
      () => {
        const t = resultsIn(out)[0]?.runs[0]?.strategies.find((s) => s.strategy === "teardown");
        return t && t.iterations > 0 ? t.pid : undefined;
      },
      90_000,
      20,
    );
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
    expect(byName.teardown!.iterations).toBeLessThan(ITERATIONS);
    expect(byName.teardown!.error!.iteration).toBeGreaterThanOrEqual(byName.teardown!.iterations);
    for (const name of ["persistent", "scoped"]) {
      // The others ran every round after the crash: all their calls, not a time-cut share.
      expect(byName[name]!.state).toBe("completed");
      expect(byName[name]!.iterations).toBe(ITERATIONS);
      expect(byName[name]!.analysis?.leak[byName[name]!.primarySignal]).toBeDefined();
    }
  }, 150_000);

  it("a worker that hangs is stopped by the watchdog: state timeout, others complete, no worker left behind", async () => {
    // A copy at a path of its own, so that this run's worker can be told from others'.
    const dir0 = scenarioDir({});
    const worker = join(dir0, "hangs-copy.py");
    copyFileSync(join(import.meta.dirname, "../fixtures/workers/hangs.py"), worker);
    copyFileSync(join(import.meta.dirname, "../fixtures/workers/_raw.py"), join(dir0, "_raw.py"));
    const yaml = `name: hang
engine: process
process: { command: [python3, ${JSON.stringify(worker)}], replyTimeoutS: 600 }
precision: fp32
profile:
  inputs:
    input: { min: [1, 4], opt: [1, 4], max: [1, 4] }
  sequence: fixed
strategies: [persistent]
baseline: persistent
run: { warmup: 0, iterations: 5, rounds: 1, watchdogS: 2 }
`;
    const dir = scenarioDir({
      "hang.yaml": yaml,
      "ok.yaml": tinyScenario("ok", "{ warmup: 1, iterations: 20, rounds: 2 }"),
    });
    const out = join(dir, "out");
    const t0 = Date.now();
    const { code, stderr } = await runCli([
      "bench",
      join(dir, "ok.yaml"),
      join(dir, "hang.yaml"),
      "--out",
      out,
      "--quiet",
    ]);
    // The 2 s watchdog stopped it, not the 600 s reply timeout (room for a loaded runner).
    expect(Date.now() - t0).toBeLessThan(120_000);
    expect(code).toBe(3);
    expect(stderr).not.toMatch(/\n\s+at /);
    const r = resultsIn(out)[0]!;
    const hung = r.runs.find((x) => x.scenario === "hang")!.strategies[0]!;
    expect(hung.state).toBe("timeout");
    expect(hung.error!.message).toMatch(/no progress for 2 s/);
    const ok = r.runs.find((x) => x.scenario === "ok")!;
    expect(ok.strategies.every((s) => s.state === "completed" && s.iterations === 20)).toBe(true);
    // The worker leads its own process group: the watchdog must have killed it too. A
    // SIGKILLed process stays listed until it is reaped (by init, once orphaned): poll,
    // with a bound far above what reaping takes, far below the worker's endless sleep.
    const deadline = Date.now() + 20_000;
    while (processesRunning(worker).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(processesRunning(worker)).toEqual([]);
  }, 150_000);

  it("SIGINT to the parent stops the run, keeps finished runs intact, marks the rest aborted, returns once the children are gone", async () => {
    const dir = scenarioDir({
      "a.yaml": tinyScenario("first", "{ warmup: 1, iterations: 30, rounds: 3 }"),
      // Only Ctrl-C ends this one: 4000 rounds of 100 calls.
      "b.yaml": tinyFixedScenario("second", "{ warmup: 1, iterations: 400000, rounds: 4000 }"),
    });
    const out = join(dir, "out");
    const cli = startCli(["bench", join(dir, "a.yaml"), join(dir, "b.yaml"), "--out", out]);
    let closedAt = 0;
    void cli.done.then(() => (closedAt = Date.now()));
    const pids = await waitFor(
      "the second run to measure",
      () => {
        const second = resultsIn(out)[0]?.runs.find((x) => x.scenario === "second");
        return second?.strategies.some((s) => s.iterations > 0) ? second.strategies.map((s) => s.pid!) : undefined;
      },
      90_000,
      20,
    );
    cli.child.kill("SIGINT");
    // When the last strategy process is gone, vramgate must follow within seconds (it
    // used to wait out a 10 s timer): it only analyses and writes what it has.
    const childrenGoneAt = await waitFor(
      "the strategy processes to exit",
      () => (pids.every((p) => !alive(p)) ? Date.now() : undefined),
      60_000,
      10,
    );
    const { code, stderr, stdout } = await cli.done;
    const lag = Math.max(0, closedAt - childrenGoneAt);
    // Under the 10 s the old timer held it, with room for a loaded machine.
    expect(lag, `vramgate exited ${lag} ms after its last strategy process`).toBeLessThan(9_000);
    expect(code).toBe(130);
    expect(stderr).toMatch(/results gathered so far are kept/);
    // The table of an interrupted run: no infinite or undefined figures.
    expect(stdout).toContain("│ persistent ");
    expect(stdout).not.toMatch(/Infinity|NaN/);
    const r = resultsIn(out)[0]!;
    expect(r.state).toBe("aborted");
    const first = r.runs.find((x) => x.scenario === "first")!;
    expect(first.strategies.map((s) => [s.state, s.iterations])).toEqual([
      ["completed", 30],
      ["completed", 30],
      ["completed", 30],
    ]);
    const second = r.runs.find((x) => x.scenario === "second")!;
    expect(second.strategies.every((s) => s.state === "aborted")).toBe(true);
    expect(second.strategies.some((s) => s.iterations > 0)).toBe(true);
    // No strategy process is left behind.
    for (const s of [...first.strategies, ...second.strategies]) {
      expect(alive(s.pid!)).toBe(false);
    }
  }, 150_000);
});
