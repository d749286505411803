/**
 * Allocation stacks for a leak (process workers with PyTorch): after the confirmation, a
 * strategy judged `leak` (or every one, with bench --trace-allocations) runs a short batch of
 * replay calls with PyTorch's allocation history on; the worker saves the snapshot next to
 * the results and names the source lines of the blocks those calls left alive. The cost of
 * recording is paid in these calls only.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AllocationTraceOutcome } from "../engines/allocation-sites.js";
import type { StrategyProcess } from "./strategy-process.js";

/**
 * Replay calls traced per strategy: enough for a per-call leak to stand out, short enough
 * to stay cheap, and never more than the scenario's confirmation allows (run.confirm.calls
 * bounds the extra calls of a case whose growth must stay small).
 */
export function traceCalls(iterations: number, confirmCalls?: number): number {
  return Math.min(Math.max(10, Math.min(100, iterations)), confirmCalls ?? Number.POSITIVE_INFINITY);
}

/** Where a strategy's snapshot goes, relative to the results folder. */
export function snapshotFileName(runId: string, runKey: string, strategy: string): string {
  return `${runId}-allocations/${runKey.replace(/[^A-Za-z0-9._-]+/g, "_")}-${strategy}.pickle`;
}

/**
 * Starts the history, runs `calls` replay calls through `replay`, stops it and returns the
 * sites (snapshotFile relative to outDir). A worker that cannot record (no PyTorch, no
 * CUDA) gives { error } and no calls are spent.
 */
export async function traceAllocations(
  c: StrategyProcess,
  replay: (count: number) => Promise<void>,
  calls: number,
  outDir: string,
  snapshotFile: string,
): Promise<AllocationTraceOutcome | undefined> {
  const started = await c.traceAllocations({ action: "start" });
  if (started && "error" in started) return started;
  await replay(calls);
  if (c.hasFault) return { error: "the strategy failed during the traced calls", calls };
  const path = join(outDir, snapshotFile);
  mkdirSync(dirname(path), { recursive: true });
  const outcome = await c.traceAllocations({ action: "stop", snapshotPath: path });
  if (!outcome) return { error: "the worker returned no allocation sites", calls };
  if ("error" in outcome) return { ...outcome, calls };
  return { ...outcome, snapshotFile: outcome.snapshotFile === undefined ? undefined : snapshotFile, calls };
}
