/**
 * Measures the process engine's per-request round trip (protocol + pipes + worker loop) with
 * workers that do nothing: `node --import tsx test/engines/process-overhead.ts [calls]`.
 * The figures are what the protocol adds to every activate/infer/deactivate.
 */
import { engineInit } from "../../src/run/create-driver.js";
import { createProcessEngine } from "../../src/engines/process/engine.js";
import { WORKERS_DIR, processScenario } from "./process-fixtures.js";

const calls = Number(process.argv[2] ?? 5000);
const workers = [
  ["python3 good.py (helper, stats on every reply)", ["python3", "good.py"]],
  ["node node_worker.mjs (no helper)", [process.execPath, "node_worker.mjs"]],
] as const;

for (const [label, command] of workers) {
  const scenario = processScenario({ command: [...command], env: { FIXTURE_LEAK_BYTES: "0" } }, WORKERS_DIR);
  const e = createProcessEngine(engineInit(scenario, "fp32", "persistent", ""), { stderr: "quiet" });
  await e.load();
  await e.activate();
  const shape = { input: [1, 1] };
  for (let i = 0; i < 500; i++) await e.infer(shape); // warm-up
  let workerMs = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    await e.infer(shape);
    workerMs += e.lastCallMs() ?? 0;
  }
  const roundTripUs = Number(process.hrtime.bigint() - t0) / 1e3 / calls;
  console.log(
    `${label}: ${roundTripUs.toFixed(1)} us per request round trip; worker's own ms ${((workerMs / calls) * 1000).toFixed(1)} us; ${calls} calls`,
  );
  await e.close();
}
