/**
 * A scenario → its runs: one per (shape sequence × precision). Strategies stay together
 * inside a run because they are compared with each other on the same sequence.
 */
import type { Scenario, ScenarioRun } from "./types.js";

/**
 * Runs in file order (sweep combinations outer, then sequences, precisions inner); keys
 * `<name>/<label>/<precision>`, followed by `/<combination>` for a sweep's. A sweep of ≥ 2
 * combinations ends with its reference run again (`<key>#repeat`, sweep.repeatReference),
 * so that the drift between runs made one after another is measured.
 */
export function expandScenario(s: Scenario): ScenarioRun[] {
  if (!s.sweep) return expandOne(s);
  const { sweep, ...plain } = s;
  const runs = sweep.combos.flatMap((combo, index) => {
    const point = { key: combo.key, values: combo.values, axes: sweep.axes, index };
    const applied: Scenario = { ...plain, sweepPoint: point };
    if (combo.precision) applied.precisions = [combo.precision];
    if (combo.profile) {
      applied.profile = combo.profile.inputs;
      applied.sequences = combo.profile.sequences;
    }
    if (combo.sequence !== undefined) applied.sequences = applied.sequences.filter((q) => q.label === combo.sequence);
    if (combo.section !== undefined) (applied as unknown as Record<string, unknown>)[s.engine] = combo.section;
    return expandOne(applied, combo.key).map((r) => ({ ...r, sweep: point }));
  });
  if (!sweep.repeatReference || sweep.combos.length < 2) return runs;
  // The reference again, last: for each sequence, the first run of combination 0 (what
  // src/analysis/pareto.ts takes as the reference), under `<its key>#repeat`.
  const repeats: ScenarioRun[] = [];
  const seen = new Set<string>();
  for (const r of runs) {
    if (r.sweep?.index !== 0 || seen.has(r.sequence.label)) continue;
    seen.add(r.sequence.label);
    const point = { ...r.sweep, repeat: true as const };
    repeats.push({
      ...r,
      key: `${r.key}#repeat`,
      scenario: { ...r.scenario, sweepPoint: point },
      sweep: point,
      repeatOf: r.key,
    });
  }
  return [...runs, ...repeats];
}

function expandOne(s: Scenario, comboKey = ""): ScenarioRun[] {
  const runs: ScenarioRun[] = [];
  for (const sequence of s.sequences) {
    for (const precision of s.precisions) {
      const key = `${s.name}/${sequence.label}/${precision}${comboKey ? `/${comboKey}` : ""}`;
      runs.push({ key, scenario: s, sequence, precision });
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
