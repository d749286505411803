/**
 * `sweep:` → the combinations it expands to, each validated against the engine's own
 * section and applied (precision, sequence, profile variant, engine options), with a readable key.
 * Product form: one list per axis. List form: `list:` of combinations written out.
 * Every problem is located (the axis key, or the value at its index).
 */
import type { Checker } from "./checker.js";
import type { EngineDescriptor, SectionProblem } from "../engines/contract.js";
import type { DataPath } from "./locate.js";
import { describeValue } from "./locate.js";
import { resolveProfile, resolveSequences } from "./profile.js";
import { DEFAULT_SWEEP_MAX, MAX_RUNS, SWEEP_FIELDS, type RawSequence, type RawSweep } from "./schema.js";
import { type Axis, axisOf, optionValueProblem } from "./sweep-axes.js";
import { closest } from "./suggest.js";
import {
  PRECISIONS,
  type InputProfile,
  type Precision,
  type SequenceSpec,
  type SweepCombo,
  type SweepPlan,
  type SweepValue,
} from "./types.js";

/** The scenario's own profile, as the `profile` axis calls it. */
const DEFAULT_PROFILE = "default";

export interface SweepContext {
  descriptor: EngineDescriptor;
  /** The engine's section as validated (before resolveSection), or its defaults. */
  section: unknown;
  dir: string;
  /** How many runs each combination makes without a precision axis (sequences × precisions). */
  precisionsCount: number;
  sequencesCount: number;
  /** Labels of the scenario's sequences (the `sequence` axis picks among them). */
  sequenceLabels: string[];
  sequence: RawSequence | RawSequence[];
  runSeed: number;
}

type Variant = { name: string; inputs: Record<string, InputProfile>; sequences: SequenceSpec[] };

/** Sets `path` in a copy of `obj` (mappings only). */
function setPath(obj: unknown, path: readonly string[], value: SweepValue): Record<string, unknown> {
  const base = { ...((obj ?? {}) as Record<string, unknown>) };
  const [head, ...rest] = path;
  if (head === undefined) return base;
  base[head] = rest.length === 0 ? value : setPath(base[head], rest, value);
  return base;
}

/** "1 repeat of the reference" / "2 repeats of the reference" (one per sequence), for the cap message. */
const repeatWords = (n: number): string => `${n} repeat${n === 1 ? "" : "s"} of the reference (sweep.repeatReference)`;

const short = (axis: string): string => axis.split(".").pop() ?? axis;

export function resolveSweep(raw: RawSweep, ctx: SweepContext, c: Checker): SweepPlan | undefined {
  const before = c.problems.length;
  const fields = new Set<string>(SWEEP_FIELDS);
  const axisKeys = Object.keys(raw).filter((k) => !fields.has(k));
  const list = raw.list as Array<Record<string, SweepValue>> | undefined;
  const max = (raw.max as number | undefined) ?? DEFAULT_SWEEP_MAX;
  const repeat = (raw.repeatReference as boolean | undefined) ?? true;

  const variants = new Map<string, Variant>();
  const profiles = (raw.profiles ?? {}) as Record<string, Parameters<typeof resolveProfile>[0]>;
  for (const [name, inputs] of Object.entries(profiles)) {
    const at: DataPath = ["sweep", "profiles", name];
    if (name === DEFAULT_PROFILE) {
      c.report({
        path: at,
        expected: `a name other than "${DEFAULT_PROFILE}" (the scenario's own profile)`,
        found: `"${name}"`,
        key: true,
      });
      continue;
    }
    const resolved = resolveProfile(inputs, c, at);
    if (resolved)
      variants.set(name, {
        name,
        inputs: resolved,
        sequences: resolveSequences(ctx.sequence, resolved, ctx.runSeed, c),
      });
  }
  const hasProfiles = Object.keys(profiles).length > 0;

  if (list && axisKeys.length > 0) {
    c.report({
      path: ["sweep", axisKeys[0]!],
      expected: "either axes (a product) or list: (combinations written out), not both",
      found: "both",
      key: true,
    });
    return undefined;
  }
  if (!list && axisKeys.length === 0 && !hasProfiles) {
    c.report({
      path: ["sweep"],
      expected: "at least one axis (precision, sequence, profile, <engine>.<option>) or list:",
      found: "none",
      key: true,
    });
    return undefined;
  }

  const axes = new Map<string, Axis>();
  const axisAt = (key: string, at: DataPath): Axis | undefined => {
    if (axes.has(key)) return axes.get(key);
    const a = axisOf(key, ctx.descriptor, hasProfiles);
    if ("kind" in a) {
      axes.set(key, a);
      return a;
    }
    c.report({ path: at, expected: a.expected, found: a.found, hint: a.hint, key: true });
    return undefined;
  };
  /** Checks one value against its axis; true when it fits. */
  const valueFits = (axis: Axis, value: SweepValue, at: DataPath): boolean => {
    let problem: { expected: string; found: string; hint?: string } | undefined;
    if (axis.kind === "precision" && !PRECISIONS.includes(value as Precision)) {
      const near = typeof value === "string" ? closest(value, PRECISIONS) : undefined;
      problem = {
        expected: `one of ${PRECISIONS.join(", ")}`,
        found: describeValue(value),
        ...(near ? { hint: `Did you mean "${near}"?` } : {}),
      };
    } else if (axis.kind === "sequence" && !ctx.sequenceLabels.includes(String(value))) {
      const near = closest(String(value), ctx.sequenceLabels);
      problem = {
        expected: `the label of one of profile.sequence (${ctx.sequenceLabels.join(", ")})`,
        found: describeValue(value),
        ...(near ? { hint: `Did you mean "${near}"?` } : {}),
      };
    } else if (axis.kind === "profile" && !(value === DEFAULT_PROFILE || variants.has(String(value)))) {
      const names = [DEFAULT_PROFILE, ...Object.keys(profiles)];
      problem = { expected: `a profile variant (${names.join(", ")})`, found: describeValue(value) };
    } else if (axis.kind === "option") problem = optionValueProblem(axis.leaf, value);
    if (problem) c.report({ path: at, ...problem });
    return problem === undefined;
  };

  // The combinations as written: axis → value, each checked where it is written.
  let rows: Array<{ values: Record<string, SweepValue>; name?: string }> = [];
  if (list) {
    list.forEach((entry, i) => {
      const values: Record<string, SweepValue> = {};
      let name: string | undefined;
      for (const [key, value] of Object.entries(entry)) {
        if (key === "name") {
          name = String(value);
          continue;
        }
        const axis = axisAt(key, ["sweep", "list", i, key]);
        if (axis && valueFits(axis, value, ["sweep", "list", i, key])) values[key] = value;
      }
      rows.push(name === undefined ? { values } : { values, name });
    });
  } else {
    const lists: Array<[string, SweepValue[]]> = [];
    for (const key of axisKeys) {
      const axis = axisAt(key, ["sweep", key]);
      const values = raw[key] as SweepValue[];
      if (!axis) continue;
      values.forEach((v, i) => {
        const first = values.indexOf(v);
        if (first !== i)
          c.report({
            path: ["sweep", key, i],
            expected: "each value once",
            found: `${describeValue(v)} again (also sweep.${key}[${first}])`,
          });
        else valueFits(axis, v, ["sweep", key, i]);
      });
      lists.push([key, values]);
    }
    // Variants without a profile axis: the scenario's own profile and each variant.
    if (hasProfiles && !axisKeys.includes("profile")) lists.push(["profile", [DEFAULT_PROFILE, ...variants.keys()]]);
    const runsPer =
      (lists.some(([k]) => k === "precision") ? 1 : ctx.precisionsCount) *
      (lists.some(([k]) => k === "sequence") ? 1 : ctx.sequencesCount);
    const product = lists.reduce((n, [, v]) => n * v.length, 1);
    const repeats = repeat && product >= 2 ? (lists.some(([k]) => k === "sequence") ? 1 : ctx.sequencesCount) : 0;
    const total = product * runsPer + repeats;
    if (total > Math.min(max, MAX_RUNS)) {
      const factors = lists.map(([, v]) => v.length);
      if (runsPer > 1) factors.push(runsPer);
      const counted = `${factors.join(" × ")} = ${product * runsPer} runs`;
      c.report({
        path: raw.max === undefined ? ["sweep"] : ["sweep", "max"],
        expected: `at most ${Math.min(max, MAX_RUNS)} runs (sweep.max${raw.max === undefined ? `, default ${DEFAULT_SWEEP_MAX}` : ""})`,
        found: repeats > 0 ? `${counted} + ${repeatWords(repeats)} = ${total} runs` : counted,
        hint: "Remove values, write the combinations wanted under list:, or raise sweep.max.",
        key: raw.max === undefined,
      });
    }
    if (c.problems.length > before) return undefined;
    rows = lists.reduce<Array<{ values: Record<string, SweepValue> }>>(
      (acc, [key, values]) => acc.flatMap((r) => values.map((v) => ({ values: { ...r.values, [key]: v } }))),
      [{ values: {} }],
    );
  }
  // A written combination runs every sequence and precision it does not set.
  const runsOf = (r: { values: Record<string, SweepValue> }): number =>
    ("precision" in r.values ? 1 : ctx.precisionsCount) * ("sequence" in r.values ? 1 : ctx.sequencesCount);
  const listRepeats = repeat && rows.length >= 2 ? ("sequence" in rows[0]!.values ? 1 : ctx.sequencesCount) : 0;
  const listRuns = rows.reduce((n, r) => n + runsOf(r), 0) + listRepeats;
  if (list && listRuns > Math.min(max, MAX_RUNS) && c.problems.length === before) {
    c.report({
      path: ["sweep", "list"],
      expected: `at most ${Math.min(max, MAX_RUNS)} runs (sweep.max)`,
      found: `${rows.length} combinations → ${listRuns} runs (each runs the sequences and precisions it does not set${listRepeats > 0 ? `; ${repeatWords(listRepeats)}` : ""})`,
      key: true,
    });
  }
  if (c.problems.length > before) return undefined;

  const combos: SweepCombo[] = [];
  const seen = new Map<string, number>();
  rows.forEach((row, i) => {
    const combo = applyRow(row.values, axes, variants, ctx, (p) =>
      c.report({ ...p, path: list ? ["sweep", "list", i] : ["sweep"], found: `${p.found} (${p.path.join(".")})` }),
    );
    combo.key =
      row.name ??
      Object.entries(row.values)
        // Precision and sequence are in the run key already.
        .filter(([k]) => k !== "precision" && k !== "sequence")
        .map(([k, v]) => `${short(k)}=${v === "" ? '""' : String(v)}`)
        .join(",");
    const id = `${combo.precision ?? ""}/${combo.sequence ?? ""}/${combo.key}`;
    const first = seen.get(id);
    if (first !== undefined)
      c.report({
        path: ["sweep", "list", i],
        expected: "each combination once",
        found: `the same as sweep.list[${first}]`,
      });
    seen.set(id, i);
    combos.push(combo);
  });
  if (c.problems.length > before) return undefined;
  const written = list
    ? [...new Set(list.flatMap((e) => Object.keys(e).filter((k) => k !== "name")))]
    : [...axes.keys()];
  if (hasProfiles && !written.includes("profile")) written.push("profile");
  return { axes: written, combos, max, repeatReference: repeat };
}

/** One combination applied: precision, profile variant and the engine's section with its options set. */
function applyRow(
  values: Record<string, SweepValue>,
  axes: ReadonlyMap<string, Axis>,
  variants: ReadonlyMap<string, Variant>,
  ctx: SweepContext,
  report: (p: SectionProblem) => void,
): SweepCombo {
  const combo: SweepCombo = { key: "", values };
  let section = ctx.section;
  let options = false;
  for (const [key, value] of Object.entries(values)) {
    const axis = key === "profile" && !axes.has(key) ? ({ kind: "profile" } as const) : axes.get(key);
    if (axis?.kind === "precision") combo.precision = value as Precision;
    else if (axis?.kind === "sequence") combo.sequence = String(value);
    else if (axis?.kind === "profile" && value !== DEFAULT_PROFILE) combo.profile = variants.get(String(value))!;
    else if (axis?.kind === "option") {
      section = setPath(section, axis.path, value);
      options = true;
    }
  }
  if (options) {
    const resolve = ctx.descriptor.resolveSection;
    combo.section = resolve ? resolve.call(ctx.descriptor, section as never, ctx.dir, report) : section;
  }
  return combo;
}
