/**
 * `bench --only KEY`: re-run one combination. KEY is a run key
 * (`<name>/<label>/<precision>[/<combination>]`) or a sweep combination's key (every run of
 * that combination). The scenarios are narrowed so that expandScenario yields exactly the
 * runs chosen, keys unchanged: a re-run's results line up with the first run's.
 */
import { InputError } from "../errors.js";
import { expandScenario } from "./expand.js";
import { closest } from "./suggest.js";
import type { Scenario, ScenarioRun } from "./types.js";

const matches = (r: ScenarioRun, key: string): boolean =>
  r.key === key || (r.sweep !== undefined && r.sweep.key === key);

/** The scenarios cut down to the runs KEY names; an InputError (with the keys there are) when it names none. */
export function onlyRuns(scenarios: readonly Scenario[], key: string): Scenario[] {
  const out: Scenario[] = [];
  const all: string[] = [];
  for (const s of scenarios) {
    const runs = expandScenario(s);
    all.push(...runs.map((r) => r.key));
    const chosen = runs.filter((r) => matches(r, key));
    if (chosen.length === 0) continue;
    const labels = new Set(chosen.map((r) => r.sequence.label));
    const precisions = new Set(chosen.map((r) => r.precision));
    const combos = new Set(chosen.map((r) => r.sweep?.key));
    const narrowed: Scenario = {
      ...s,
      sequences: s.sequences.filter((q) => labels.has(q.label)),
      precisions: s.precisions.filter((p) => precisions.has(p)),
    };
    if (s.sweep) {
      narrowed.sweep = {
        ...s.sweep,
        combos: s.sweep.combos
          .filter(
            (c) =>
              combos.has(c.key) &&
              (c.precision === undefined || precisions.has(c.precision)) &&
              (c.sequence === undefined || labels.has(c.sequence)),
          )
          .map((c) =>
            c.profile
              ? { ...c, profile: { ...c.profile, sequences: c.profile.sequences.filter((q) => labels.has(q.label)) } }
              : c,
          ),
      };
    }
    out.push(narrowed);
  }
  if (out.length === 0) {
    const near = closest(key, all);
    const shown = all.slice(0, 12).join(", ") + (all.length > 12 ? `, … (${all.length} in all)` : "");
    throw new InputError(
      `--only ${key}: expected a run key or a sweep combination's key, found none of that name.${near ? ` Did you mean "${near}"?` : ""} Runs: ${shown}.`,
    );
  }
  return out;
}
