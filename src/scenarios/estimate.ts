/**
 * What a sweep will cost, known before it starts: its runs and the calls they make (the
 * estimate sharding balances on, scenarios/shard.ts) and the longest it may take (every
 * run stops at run.maxDurationS; confirmation extensions and process start-up come on top).
 */
import { expandScenario } from "./expand.js";
import { estimatedCalls } from "./shard.js";
import type { Scenario } from "./types.js";

export interface SweepEstimate {
  scenario: string;
  combinations: number;
  runs: number;
  /** Of the runs, repeats of the reference at the end (sweep.repeatReference). */
  repeats: number;
  /** Strategy processes started (runs × strategies). */
  processes: number;
  /** Calls made, warm-up and replay included. */
  calls: number;
  /** Sum of run.maxDurationS over the runs, seconds: the measured phase cannot last longer. */
  maxSeconds: number;
}

/** One estimate per scenario with a sweep (the scenario as it will run: overrides applied). */
export function sweepEstimates(scenarios: readonly Scenario[]): SweepEstimate[] {
  return scenarios
    .filter((s) => s.sweep !== undefined)
    .map((s) => {
      const runs = expandScenario(s);
      return {
        scenario: s.name,
        combinations: s.sweep!.combos.length,
        runs: runs.length,
        repeats: runs.filter((r) => r.repeatOf !== undefined).length,
        processes: runs.reduce((n, r) => n + r.scenario.strategies.length, 0),
        calls: runs.reduce((n, r) => n + estimatedCalls(r), 0),
        maxSeconds: runs.reduce((n, r) => n + r.scenario.run.maxDurationS, 0),
      };
    });
}
