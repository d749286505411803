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
