/**
 * Environment fingerprints: what differs between two runs' machines and moves their figures
 * without making them incomparable. `compare` refuses runs whose GPUs, driver, CUDA, engine
 * versions (or, without a GPU, CPUs) differ (compare.ts); everything here is a warning that
 * names the difference: another host of the same kind, kernel, Node and vramgate versions,
 * CPU count and memory, the CPU frequency governor, and a busy machine (load average per core
 * when the run started: `bench:gate-noise` measured between-run throughput spreads of 60–80 %
 * at loads of 5–17 on 2 cores).
 *
 * GPU clocks: the maximum SM and memory clocks of the first GPU (the SKU, or clocks locked
 * with nvidia-smi -lgc/-lmc) are compared; the clocks now are not (an idle GPU clocks down
 * and the figure says little about the run). Per-run clocks are in each run's `gpu`.
 * Not recorded (so not compared): power and temperature.
 */
import type { Environment } from "../results/types.js";

/** Load average per core at or past which a machine is called busy. */
const BUSY_LOAD_PER_CORE = 1;

function busy(e: Environment): number | undefined {
  const load = e.fingerprint?.loadAverage1m;
  if (typeof load !== "number" || !Number.isFinite(load) || !(e.cpuCount > 0)) return undefined;
  return load / e.cpuCount >= BUSY_LOAD_PER_CORE ? load : undefined;
}

/** One line per difference that may move the figures (empty when none is known). */
export function environmentWarnings(base: Environment, head: Environment): string[] {
  const out: string[] = [];
  const differs = (what: string, a: string | number | undefined, b: string | number | undefined): void => {
    if (a === undefined || b === undefined || a === "" || b === "" || a === b) return;
    out.push(`${what}: ${a} vs ${b}`);
  };
  differs("host", base.hostname, head.hostname);
  differs("kernel", base.kernel, head.kernel);
  differs("Node", base.node, head.node);
  differs("vramgate", base.vramgate, head.vramgate);
  differs("CPU cores", base.cpuCount, head.cpuCount);
  if (base.totalMemoryBytes > 0 && head.totalMemoryBytes > 0 && base.totalMemoryBytes !== head.totalMemoryBytes)
    out.push(
      `memory: ${(base.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB vs ${(head.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB`,
    );
  differs("CPU governor", base.fingerprint?.cpuGovernor, head.fingerprint?.cpuGovernor);
  const clocks = (e: Environment) => e.gpus[0]?.clocks;
  differs("GPU max SM clock (MHz)", clocks(base)?.smMaxMHz, clocks(head)?.smMaxMHz);
  differs("GPU max memory clock (MHz)", clocks(base)?.memMaxMHz, clocks(head)?.memMaxMHz);
  for (const [name, e] of [
    ["base", base],
    ["head", head],
  ] as const) {
    const load = busy(e);
    if (load !== undefined)
      out.push(
        `${name} started on a busy machine: load average ${load.toFixed(2)} on ${e.cpuCount} cores (other work competes for the CPU; throughput figures move)`,
      );
  }
  return out;
}
