/**
 * The process engine against real python3 worker processes (test/fixtures/workers): the
 * call cycles of each strategy, and each failure with its error class and message.
 */
import { engineInit } from "../../src/run/create-driver.js";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import {
  createProcessEngine,
  type ProcessEngine,
  type ProcessEngineOptions,
} from "../../src/engines/process/engine.js";
import { ProcessWorkerError } from "../../src/engines/process/errors.js";
import { EngineUnavailableError, OutOfMemoryError } from "../../src/errors.js";
import type { ProcessOptions, StrategyName } from "../../src/scenarios/types.js";
import { REPO_ROOT, WORKERS_DIR, pidExists, processScenario, waitGone } from "./process-fixtures.js";

const SHAPE = { input: [2, 3, 8, 8] };
const opened: ProcessEngine[] = [];

function engine(
  proc: Partial<ProcessOptions> & { command: string[] },
  opts: ProcessEngineOptions = {},
  strategy: StrategyName = "persistent",
): ProcessEngine {
  const e = createProcessEngine(engineInit(processScenario(proc), "fp32", strategy, "/nonexistent/model.onnx"), {
    stderr: "quiet",
    ...opts,
  });
  opened.push(e);
  return e;
}

/** Runs fn expecting a rejection and returns the error. */
async function failure(fn: () => Promise<unknown>): Promise<Error & { lastExchange?: string }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { lastExchange?: string };
  }
  throw new Error("expected a rejection, got success");
}

afterEach(async () => {
  for (const e of opened.splice(0)) await e.close();
});

describe("process engine: a well-behaved worker", () => {
  it("loads with hello: versions, pids, seeded stats", async () => {
    const e = engine({ command: ["python3", "good.py"] });
    expect(e.versions()).toEqual({});
    await e.load();
    const hello = e.hello();
    expect(hello?.protocol).toBe(2); // the helper takes the highest version offered
    expect(hello?.worker).toBe("good-fixture");
    expect(hello?.gpu).toBe(true);
    expect(e.versions()).toMatchObject({ fixture: "1", "process-worker": "good-fixture (protocol 2)" });
    expect(e.versions().python).toMatch(/^3\.\d+\.\d+$/);
    expect(e.extraPids()).toEqual([hello!.pid]);
    expect(pidExists(hello!.pid)).toBe(true);
    expect(e.memoryStats()).toEqual({ contextBytes: 0, activations: 0, calls: 0 });
  });

  it("persistent cycle: one activation, the context keeps growing, stats arrive without extra requests", async () => {
    const e = engine({ command: ["python3", "good.py"], env: { FIXTURE_LEAK_BYTES: "1000" } });
    await e.load();
    await e.activate();
    const held: number[] = [];
    for (let k = 0; k < 20; k++) {
      await e.infer(SHAPE);
      held.push(e.memoryStats().contextBytes!);
      expect(e.lastCallMs()).toBeGreaterThanOrEqual(0);
    }
    expect(held[0]).toBe(1000);
    expect(held[19]).toBe(20_000);
    expect(e.memoryStats()).toMatchObject({ activations: 1, calls: 20 });
    // The last exchange is the infer itself: stats rode on its reply.
    expect(e.lastExchange()).toMatch(
      /^sent \{"id":\d+,"op":"infer","shape":\{"input":\[2,3,8,8\]\}\}; got \{.*"stats"/,
    );
  });

  it("scoped cycle: activate/infer/deactivate per call, the context is released every call", async () => {
    const e = engine({ command: ["python3", "good.py"], env: { FIXTURE_LEAK_BYTES: "1000" } }, {}, "scoped");
    await e.load();
    for (let k = 0; k < 20; k++) {
      await e.activate();
      await e.infer(SHAPE);
      expect(e.memoryStats().contextBytes).toBe(1000);
      await e.deactivate();
      expect(e.memoryStats().contextBytes).toBe(0);
    }
    expect(e.memoryStats()).toMatchObject({ activations: 20, calls: 20 });
  });

  it("close shuts the worker down and leaves no process behind", async () => {
    const e = engine({ command: ["python3", "good.py"] });
    await e.load();
    const [pid] = e.extraPids();
    await e.close();
    expect(await waitGone(pid!)).toBe(true);
    await e.close(); // idempotent
  });

  it("close escalates to SIGKILL when the worker ignores shutdown and SIGTERM", async () => {
    const e = engine({ command: ["python3", "lingers.py"] }, { closeGraceMs: 300 });
    await e.load();
    const [pid] = e.extraPids();
    const started = Date.now();
    await e.close();
    expect(await waitGone(pid!)).toBe(true);
    // grace (300 ms) + SIGTERM wait (1 s) + SIGKILL: bounded, not a hang (which would never end).
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("kills the whole process group of a wrapper command, and samples the real worker's pid too", async () => {
    // sh stays the parent of python (the `; exit 0` prevents exec): two pids, one group.
    const e = engine({ command: ["sh", "-c", "python3 good.py; exit 0"] }, { closeGraceMs: 300 });
    await e.load();
    const pids = e.extraPids();
    expect(pids).toHaveLength(2);
    await e.close();
    for (const pid of pids) expect(await waitGone(pid)).toBe(true);
  });

  it("runs a worker written in another language (Node.js, no vramgate code) from the protocol alone", async () => {
    const e = engine({ command: [process.execPath, "node_worker.mjs"] }, {}, "scoped");
    await e.load();
    expect(e.hello()?.worker).toBe("node-fixture");
    for (let k = 0; k < 3; k++) {
      await e.activate();
      await e.infer(SHAPE);
      expect(e.memoryStats().heldBytes).toBe(2 * 3 * 8 * 8);
      await e.deactivate();
    }
    expect(e.memoryStats().heldBytes).toBe(0);
  });

  it("times the worker's own call apart from the protocol's round trip", async () => {
    const e = engine({ command: ["python3", "good.py"], env: { FIXTURE_LEAK_BYTES: "0" } });
    await e.load();
    await e.activate();
    const calls = 300;
    const t0 = performance.now();
    for (let k = 0; k < calls; k++) await e.infer(SHAPE);
    const meanMs = (performance.now() - t0) / calls;
    // The worker's own time excludes the protocol: it is a fraction of the round trip.
    expect(e.lastCallMs()!).toBeLessThan(meanMs);
  });

  it("runs the CPU example worker from examples/cpu with its leak switch", async () => {
    const e = createProcessEngine(
      engineInit(
        processScenario(
          { command: ["python3", "echo_worker.py"], env: { VRAMGATE_EXAMPLE_LEAK_BYTES: "2048" } },
          `${WORKERS_DIR}/../../../examples/cpu`,
        ),
        "fp32",
        "persistent",
        "",
      ),
      { stderr: "quiet" },
    );
    opened.push(e);
    await e.load();
    expect(e.hello()?.gpu).toBe(false);
    await e.activate();
    for (let k = 0; k < 5; k++) await e.infer(SHAPE);
    expect(e.memoryStats().retainedBytes).toBe(5 * 2048);
    await e.deactivate();
    expect(e.memoryStats().retainedBytes).toBe(0);
  });
});

describe("process engine: failures", () => {
  it("a missing command is EngineUnavailableError naming the command", async () => {
    const e = engine({ command: ["vramgate-no-such-worker-4711", "--flag"] });
    const err = await failure(() => e.load());
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect(err.message).toContain("process worker `vramgate-no-such-worker-4711 --flag`");
    expect(err.message).toContain("command not found (ENOENT)");
    expect(err.lastExchange).toMatch(/^sent \{"id":1,"op":"hello","protocol":1,.*; no reply$/);
  });

  it("a worker whose load fails refuses hello: EngineUnavailableError with the worker's message", async () => {
    const e = engine({ command: ["python3", "refuse.py"] });
    const err = await failure(() => e.load());
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect(err.message).toContain(
      "process worker `python3 refuse.py`: the worker refused hello: RuntimeError: this worker needs a CUDA GPU; none found",
    );
    expect(err.lastExchange).toMatch(/"op":"hello".*; got \{"id":1,"ok":false/);
  });

  it("a missing working directory is EngineUnavailableError", async () => {
    const e = engine({ command: ["python3", "good.py"], cwd: "no-such-dir" });
    const err = await failure(() => e.load());
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect(err.message).toMatch(/working directory .*no-such-dir does not exist/);
  });

  it("a worker that dies mid-call is a ProcessWorkerError with its exit code and last words", async () => {
    const e = engine({ command: ["python3", "dies.py"] });
    await e.load();
    await e.activate();
    const pid = e.extraPids()[0]!;
    const err = await failure(() => e.infer(SHAPE));
    expect(err).toBeInstanceOf(ProcessWorkerError);
    expect(err).not.toBeInstanceOf(OutOfMemoryError);
    expect((err as ProcessWorkerError).exitCode).toBe(7);
    expect(err.message).toContain(
      "process worker `python3 dies.py`: worker exited with code 7 while waiting for the reply to infer (id 3)",
    );
    expect(err.message).toContain("worker: about to crash in infer");
    expect(err.lastExchange).toBe('sent {"id":3,"op":"infer","shape":{"input":[2,3,8,8]}}; no reply');
    // Later calls fail the same way instead of writing to a dead pipe.
    await expect(e.deactivate()).rejects.toBe(err);
    expect(await waitGone(pid)).toBe(true);
  });

  it("a worker that exits between calls fails the next call with its exit code", async () => {
    const e = engine({ command: ["python3", "exits_idle.py"] });
    await e.load();
    await e.activate();
    await waitGone(e.extraPids()[0]!);
    await new Promise((r) => setTimeout(r, 300)); // past the drain window
    const err = await failure(() => e.infer(SHAPE));
    expect(err).toBeInstanceOf(ProcessWorkerError);
    expect((err as ProcessWorkerError).exitCode).toBe(5);
    expect(err.message).toContain("process worker `python3 exits_idle.py`: worker exited with code 5 between calls");
    expect(err.lastExchange).toBe('sent {"id":2,"op":"activate"}; got {"id": 2, "ok": true, "ms": 0.1}');
  });

  it("a worker that hangs times out, is killed, and the error says so", async () => {
    const e = engine({ command: ["python3", "hangs.py"] }, { replyTimeoutMs: 500 });
    await e.load();
    await e.activate();
    const pid = e.extraPids()[0]!;
    const started = Date.now();
    const err = await failure(() => e.infer(SHAPE));
    expect(Date.now() - started).toBeLessThan(30_000); // the 0.5 s timeout fired, not the test's
    expect(err).toBeInstanceOf(ProcessWorkerError);
    expect(err.message).toContain(
      "process worker `python3 hangs.py`: timed out after 0.5 s waiting for the reply to infer (id 3)",
    );
    expect(err.lastExchange).toMatch(/"op":"infer".*; no reply$/);
    expect(await waitGone(pid)).toBe(true);
  });

  it("the reply timeout defaults to the scenario's watchdog", async () => {
    const e = createProcessEngine(
      engineInit(processScenario({ command: ["python3", "hangs.py"] }, WORKERS_DIR, 1), "fp32", "persistent", ""),
      { stderr: "quiet" },
    );
    opened.push(e);
    await e.load();
    await e.activate();
    const err = await failure(() => e.infer(SHAPE));
    expect(err.message).toContain("timed out after 1 s");
  });

  it("garbage on stdout is a protocol error quoting the line", async () => {
    const e = engine({ command: ["python3", "garbage.py"] });
    await e.load();
    const err = await failure(() => e.activate());
    expect(err).toBeInstanceOf(ProcessWorkerError);
    expect(err.message).toContain(
      'process worker `python3 garbage.py`: protocol error: expected a JSON line, got "Loading weights... done"',
    );
    expect(err.lastExchange).toBe('sent {"id":2,"op":"activate"}; got Loading weights... done');
  });

  it("a worker speaking another protocol version is refused, naming both versions", async () => {
    const e = engine({ command: ["python3", "wrong_protocol.py"] });
    const err = await failure(() => e.load());
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect(err.message).toContain("the worker speaks protocol version 3, this vramgate speaks versions 1 and 2");
    expect(err.lastExchange).toMatch(/^sent \{"id":1,"op":"hello".*; got \{.*"protocol": 3/);
  });

  it("a version that was not offered is refused (maxProtocol 1 offers version 1 only)", async () => {
    const e = engine({ command: ["python3", "wrong_protocol.py"] }, { maxProtocol: 1 });
    const err = await failure(() => e.load());
    expect(err.message).toContain("the worker speaks protocol version 3, this vramgate speaks version 1;");
  });

  it('a reply of kind "oom" is OutOfMemoryError with the worker\'s message', async () => {
    const e = engine({ command: ["python3", "oom.py"] });
    await e.load();
    await e.activate();
    const err = await failure(() => e.infer(SHAPE));
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect(err.name).toBe("OutOfMemoryError");
    expect(err.message).toContain(
      "process worker `python3 oom.py`: out of memory in infer: OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB",
    );
    expect(err.lastExchange).toMatch(/"op":"infer".*; got \{"id":3,"ok":false,.*"kind":"oom"\}$/);
    // The worker survives an OOM reply: the run can still release and shut down cleanly.
    await e.deactivate();
  });
});

describe("process engine: no orphans when the host goes away", () => {
  /** Starts test/fixtures/workers/host.ts; resolves with the host and the worker pids it printed. */
  async function startHost(mode: "exit" | "hang", script: string) {
    const host = spawn(process.execPath, ["--import", "tsx", `${WORKERS_DIR}/host.ts`, mode, script], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    host.stdout.setEncoding("utf8");
    host.stdout.on("data", (d: string) => (out += d));
    const until = Date.now() + 20_000;
    while (!out.includes("\n") && Date.now() < until && host.exitCode === null)
      await new Promise((r) => setTimeout(r, 20));
    const pids = out.trim().split(",").map(Number);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) expect(pid).toBeGreaterThan(0);
    return { host, pids };
  }

  it("process.exit without close kills a worker stuck in a call (exit hook)", async () => {
    // hangs.py has no parent watch and is not reading stdin: only the host's exit hook can end it.
    const { host, pids } = await startHost("exit", "hangs.py");
    if (host.exitCode === null) await once(host, "exit");
    for (const pid of pids) expect(await waitGone(pid)).toBe(true);
  });

  it("a host killed with SIGKILL (no hooks run) leaves no helper-based worker, even one stuck in a call", async () => {
    // busy.py is inside infer, not reading stdin: the helper's parent watch must end it.
    const { host, pids } = await startHost("hang", "busy.py");
    host.kill("SIGKILL");
    await once(host, "exit");
    for (const pid of pids) expect(await waitGone(pid, 5000)).toBe(true);
  });
});
