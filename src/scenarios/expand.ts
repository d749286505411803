/**
 * A scenario → its runs: one per (shape sequence × precision). Strategies stay together
 * inside a run because they are compared with each other on the same sequence.
 */
import type { Scenario, ScenarioRun } from "./types.js";

/** Runs in file order (sequences outer, precisions inner); keys `<name>/<label>/<precision>`. */
export function expandScenario(s: Scenario): ScenarioRun[] {
  const runs: ScenarioRun[] = [];
  for (const sequence of s.sequences) {
    for (const precision of s.precisions) {
      runs.push({ key: `${s.name}/${sequence.label}/${precision}`, scenario: s, sequence, precision });
    }
  }
  return runs;
}

/** Run settings given on the command line (`--iterations`, `--warmup`, `--rounds`). */
export interface RunOverrides {
  iterations?: number | undefined;
  warmup?: number | undefined;
  rounds?: number | undefined;
}

/** The scenario with the command line's run settings on top (rounds kept within 1..iterations). */
export function applyOverrides(s: Scenario, o: RunOverrides | undefined): Scenario {
  if (!o) return s;
  const run = { ...s.run };
  if (o.iterations !== undefined) run.iterations = o.iterations;
  if (o.warmup !== undefined) run.warmup = o.warmup;
  if (o.rounds !== undefined) run.rounds = o.rounds;
  run.rounds = Math.max(1, Math.min(run.rounds, run.iterations));
  return { ...s, run };
}
