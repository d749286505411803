/** Process checks for tests that must leave nothing running (Linux /proc where needed). */
import { readdirSync, readFileSync } from "node:fs";

/** True while a process with this PID exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs of live processes whose command line mentions `needle`. */
export function processesRunning(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes(needle)) out.push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}
