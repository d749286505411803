/** Builds validated scenarios for the process engine's tests, pointing at real worker scripts. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ProcessOptions, Scenario } from "../../src/scenarios/types.js";

export const WORKERS_DIR = fileURLToPath(new URL("../fixtures/workers/", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A scenario whose file sits in `dir` (the worker's default cwd), running `process`. */
export function processScenario(
  proc: Partial<ProcessOptions> & { command: string[] },
  dir = WORKERS_DIR,
  watchdogS = 30,
): Scenario {
  return {
    file: path.join(dir, "scenario.yaml"),
    name: "process-test",
    model: { kind: "file", path: "none.onnx", resolvedPath: path.join(dir, "none.onnx") },
    engine: "process",
    precisions: ["fp32"],
    profile: { input: { min: [1, 3, 8, 8], opt: [2, 3, 8, 8], max: [4, 3, 8, 8], dtype: "float32" } },
    sequences: [{ kind: "fixed", label: "fixed" }],
    strategies: ["persistent", "scoped"],
    baseline: "scoped",
    run: { warmup: 0, iterations: 10, rounds: 1, maxDurationS: 60, seed: 1, watchdogS, replay: 0, confirm: false },
    memory: { intervalMs: 1, device: 0 },
    gate: { leak: "off", shapeGrowth: "off", allow: {}, minSpeedup: {} },
    faults: {},
    onnxruntime: { executionProvider: "cpu" },
    tensorrt: { allocationStrategy: "static", cudaGraph: false, perShapePoolSize: 4 },
    libtorch: { cudaGraph: false, perShapePoolSize: 4, env: {} },
    process: { env: {}, ...proc },
  };
}

/** True while a process with this pid exists (zombies included: they are still ours to reap). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Waits until the pid is gone, up to timeoutMs; returns whether it went. */
export async function waitGone(pid: number, timeoutMs = 3000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!pidExists(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !pidExists(pid);
}
