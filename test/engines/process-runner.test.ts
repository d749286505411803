/**
 * serve_runner (python/vramgate_runner.py) through the process engine on the CPU: a runner
 * with Polygraphy's contract (test/fixtures/workers/runner_worker.py) gets numpy feeds of the
 * requested shapes in the dtype its metadata states, one runner per activation, and a failing
 * runner call comes back naming the call, the shape and the runner's message.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createProcessEngine, type ProcessEngine } from "../../src/engines/process/engine.js";
import { engineInit } from "../../src/run/create-driver.js";
import type { ProcessOptions, StrategyName } from "../../src/scenarios/types.js";
import { processScenario } from "./process-fixtures.js";

const opened: ProcessEngine[] = [];
afterEach(async () => {
  for (const e of opened.splice(0)) await e.close();
});

function engine(env: Record<string, string> = {}, strategy: StrategyName = "persistent"): ProcessEngine {
  const proc: Partial<ProcessOptions> & { command: string[] } = { command: ["python3", "runner_worker.py"], env };
  const s = processScenario(proc);
  s.profile.input!.values = { min: 0.5, max: 0.5 };
  const e = createProcessEngine(engineInit(s, "fp32", strategy, "/models/m.onnx"), { stderr: "quiet" });
  opened.push(e);
  return e;
}

describe("serve_runner through the process engine", () => {
  it("feeds the runner float16 arrays of each shape with the scenario's values, in one runner while active", async () => {
    const e = engine();
    await e.load();
    expect(e.hello()?.worker).toBe("runner-fixture");
    expect(e.canBatch()).toBe(true);
    await e.activate();
    const times = await e.inferBatch([{ input: [1, 3, 8, 8] }, { input: [4, 3, 8, 8] }], "active");
    expect(times.startNs).toHaveLength(2);
    // float16: 2 bytes per element of the last shape; every value 0.5 (the scenario's values).
    expect(times.stats?.feedBytes).toEqual([1 * 3 * 8 * 8 * 2, 4 * 3 * 8 * 8 * 2]);
    expect(times.stats?.inputMax).toEqual([500, 500]);
    expect(e.memoryStats().runners).toBe(1);
  }, 60_000);

  it("scoped makes a new runner for every call", async () => {
    const e = engine({}, "scoped");
    await e.load();
    await e.inferBatch([{ input: [2, 3, 8, 8] }, { input: [2, 3, 8, 8] }, { input: [2, 3, 8, 8] }], "scoped");
    expect(e.memoryStats().runners).toBe(3);
  }, 60_000);

  it("a failing runner call names the call, the shape and the runner's message", async () => {
    const e = engine({ FIXTURE_RUNNER_FAIL_AT: "2" });
    await e.load();
    await e.activate();
    await e.infer({ input: [1, 3, 8, 8] });
    const err = await e.infer({ input: [2, 3, 8, 8] }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(
      "RunnerError: EchoRunner.infer() (call 2, shape {input: 2x3x8x8}) failed: ValueError: input 'input' has an unexpected shape (2, 3, 8, 8)",
    );
    await e.infer({ input: [1, 3, 8, 8] }); // the worker keeps serving
  }, 60_000);
});
