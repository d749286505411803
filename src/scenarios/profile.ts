/**
 * profile.inputs and profile.sequence: shape ranges (same rank, min ≤ opt ≤ max), input
 * values (min ≤ max, integers for integer dtypes, within the dtype), shapes named in
 * sequences (known inputs, within range), bucketing, sequence defaults and unique labels.
 */
import type { Checker } from "./checker.js";
import type { DataPath } from "./locate.js";
import type { RawInputProfile, RawSequence } from "./schema.js";
import { didYouMean } from "./suggest.js";
import type { InputProfile, InputValues, SequenceSpec, Shape, ShapeMap } from "./types.js";

export const DEFAULT_SAWTOOTH_PERIOD = 16;

export const dimsText = (s: Shape): string => `[${s.join(", ")}]`;

/**
 * The values each dtype holds. int64 stops at the largest safe integer: values travel as
 * JS and JSON numbers (doubles), which skip integers beyond 2^53.
 */
const DTYPE_LIMITS: Record<InputProfile["dtype"], { lo: number; hi: number; integer: boolean }> = {
  float32: { lo: -3.4028234663852886e38, hi: 3.4028234663852886e38, integer: false },
  float16: { lo: -65504, hi: 65504, integer: false },
  int32: { lo: -(2 ** 31), hi: 2 ** 31 - 1, integer: true },
  int64: { lo: -Number.MAX_SAFE_INTEGER, hi: Number.MAX_SAFE_INTEGER, integer: true },
};

function checkValues(
  values: InputValues,
  dtype: InputProfile["dtype"],
  name: string,
  base: DataPath,
  c: Checker,
): void {
  if (typeof values === "string") return; // ones and zeros fit every dtype
  const at = [...base, "values"];
  const limit = DTYPE_LIMITS[dtype];
  let fits = true;
  for (const k of ["min", "max"] as const) {
    const v = values[k];
    if (limit.integer && !Number.isInteger(v)) {
      fits = false;
      c.report({ path: [...at, k], expected: `an integer (input ${name} is ${dtype})`, found: String(v) });
    } else if (v < limit.lo || v > limit.hi) {
      fits = false;
      c.report({
        path: [...at, k],
        expected: `a value within ${dtype}'s range (${limit.lo}..${limit.hi})`,
        found: String(v),
      });
    }
  }
  if (fits && values.min > values.max) {
    c.report({ path: [...at, "max"], expected: `at least values.min = ${values.min}`, found: String(values.max) });
  }
}

export function resolveProfile(
  inputs: Record<string, RawInputProfile>,
  c: Checker,
  /** Where the inputs are written (a sweep's profile variant lives under sweep.profiles.<name>). */
  at: DataPath = ["profile", "inputs"],
): Record<string, InputProfile> | undefined {
  const before = c.problems.length;
  const out: Record<string, InputProfile> = {};
  if (Object.keys(inputs).length === 0) {
    c.report({
      path: at,
      expected: "at least one input, e.g. input: { min: [...], opt: [...], max: [...] }",
      found: "an empty mapping",
    });
  }
  for (const [name, p] of Object.entries(inputs)) {
    const base = [...at, name];
    if (p.shape) {
      for (const k of ["min", "opt", "max"] as const) {
        if (p[k])
          c.report({
            path: [...base, k],
            expected: "either shape or min/opt/max (shape means min = opt = max)",
            found: `both shape and ${k}`,
            key: true,
          });
      }
      out[name] = { min: p.shape, opt: p.shape, max: p.shape, dtype: p.dtype };
      if (p.values !== undefined) {
        checkValues(p.values, p.dtype, name, base, c);
        out[name].values = p.values;
      }
      continue;
    }
    const { min, opt, max } = p;
    for (const k of ["min", "opt", "max"] as const) {
      if (!p[k])
        c.report({
          path: [...base, k],
          expected: "a shape (a list of positive integers)",
          found: "nothing",
          hint: "Give min, opt and max, or shape: for a static input.",
        });
    }
    if (!min || !opt || !max) continue;
    let ranksMatch = true;
    for (const [k, s] of [
      ["opt", opt],
      ["max", max],
    ] as const) {
      if (s.length !== min.length) {
        ranksMatch = false;
        c.report({
          path: [...base, k],
          expected: `${min.length} dimensions, like min ${dimsText(min)}`,
          found: `${s.length} dimensions ${dimsText(s)}`,
        });
      }
    }
    if (!ranksMatch) continue;
    for (let i = 0; i < min.length; i++) {
      const lo = min[i]!;
      const hi = max[i]!;
      const mid = opt[i]!;
      if (lo > hi) {
        c.report({ path: [...base, "max", i], expected: `at least min[${i}] = ${lo}`, found: String(hi) });
      } else if (mid < lo || mid > hi) {
        c.report({
          path: [...base, "opt", i],
          expected: `a value from min[${i}] to max[${i}] (${lo}..${hi})`,
          found: String(mid),
        });
      }
    }
    out[name] = { min, opt, max, dtype: p.dtype };
    if (p.values !== undefined) {
      checkValues(p.values, p.dtype, name, base, c);
      out[name].values = p.values;
    }
  }
  return c.problems.length === before ? out : undefined;
}

/** A user's shape map checked against the profile; inputs left out take opt. */
function resolveShapeMap(
  given: Record<string, number[]>,
  profile: Record<string, InputProfile>,
  base: DataPath,
  c: Checker,
): ShapeMap {
  const names = Object.keys(profile);
  const out: ShapeMap = {};
  for (const [name, dims] of Object.entries(given)) {
    const p = profile[name];
    if (!p) {
      c.report({
        path: [...base, name],
        expected: `an input of the profile (${names.join(", ")})`,
        found: `unknown input "${name}"`,
        hint: didYouMean(name, names),
        key: true,
      });
      continue;
    }
    if (dims.length !== p.min.length) {
      c.report({
        path: [...base, name],
        expected: `${p.min.length} dimensions, like profile.inputs.${name}.min ${dimsText(p.min)}`,
        found: `${dims.length} dimensions ${dimsText(dims)}`,
      });
      continue;
    }
    dims.forEach((d, i) => {
      const lo = p.min[i]!;
      const hi = p.max[i]!;
      if (d < lo || d > hi)
        c.report({
          path: [...base, name, i],
          expected: `a value within the profile's ${name}[${i}] range ${lo}..${hi}`,
          found: String(d),
        });
    });
    out[name] = dims;
  }
  for (const name of names) out[name] ??= profile[name]!.opt;
  // Key order is the model's input order, whatever order the user wrote.
  return Object.fromEntries(names.map((n) => [n, out[n]!]));
}

/** multipleOf / buckets: one of them, ascending buckets, and only where shapes are drawn. */
function checkBucketing(
  s: { kind: SequenceSpec["kind"]; multipleOf?: number | undefined; buckets?: number[] | undefined },
  base: DataPath,
  c: Checker,
): void {
  const given = (["multipleOf", "buckets"] as const).filter((k) => s[k] !== undefined);
  if (given.length === 0) return;
  if (s.kind === "fixed" || s.kind === "cycle") {
    for (const k of given) {
      c.report({
        path: [...base, k],
        expected: `${k} only on a random, ascending or sawtooth sequence`,
        found: `${k} on a ${s.kind} sequence`,
        hint: `A ${s.kind} sequence feeds its shapes as written: write the padded shapes under shapes: instead.`,
        key: true,
      });
    }
    return;
  }
  if (given.length === 2) {
    c.report({
      path: [...base, "buckets"],
      expected: "either multipleOf or buckets, not both",
      found: "both",
      key: true,
    });
    return;
  }
  const buckets = s.buckets ?? [];
  for (let j = 1; j < buckets.length; j++) {
    if (buckets[j]! <= buckets[j - 1]!) {
      c.report({
        path: [...base, "buckets", j],
        expected: `a value greater than buckets[${j - 1}] = ${buckets[j - 1]} (buckets ascend)`,
        found: String(buckets[j]),
      });
      return;
    }
  }
}

export function resolveSequences(
  raw: RawSequence | RawSequence[],
  profile: Record<string, InputProfile>,
  runSeed: number,
  c: Checker,
): SequenceSpec[] {
  const list = Array.isArray(raw) ? raw : [raw];
  const pick = (which: "min" | "opt" | "max"): ShapeMap =>
    Object.fromEntries(Object.entries(profile).map(([n, p]) => [n, p[which]]));
  const specs: Array<Omit<SequenceSpec, "label"> & { label?: string }> = list.map((entry, i) => {
    const base: DataPath = Array.isArray(raw) ? ["profile", "sequence", i] : ["profile", "sequence"];
    const s = typeof entry === "string" ? { kind: entry } : entry;
    const spec: Omit<SequenceSpec, "label"> & { label?: string } = { kind: s.kind };
    if ("label" in s && s.label !== undefined) spec.label = s.label;
    switch (s.kind) {
      case "fixed":
      case "cycle": {
        const given = "shapes" in s ? s.shapes : undefined;
        spec.shapes = given
          ? given.map((m, j) => resolveShapeMap(m, profile, [...base, "shapes", j], c))
          : s.kind === "fixed"
            ? [pick("opt")]
            : [pick("min"), pick("opt"), pick("max")];
        break;
      }
      case "random":
        spec.seed = ("seed" in s ? s.seed : undefined) ?? runSeed;
        break;
      case "sawtooth":
        spec.period = ("period" in s ? s.period : undefined) ?? DEFAULT_SAWTOOTH_PERIOD;
        break;
      case "ascending":
        break;
    }
    checkBucketing(s, base, c);
    if ("multipleOf" in s && s.multipleOf !== undefined) spec.multipleOf = s.multipleOf;
    if ("buckets" in s && s.buckets !== undefined) spec.buckets = s.buckets;
    return spec;
  });

  // Labels: the user's must be unique; defaults are the kind, suffixed -2, -3 … on repeats.
  const taken = new Map<string, number>();
  specs.forEach((s, i) => {
    if (s.label === undefined) return;
    const first = taken.get(s.label);
    if (first !== undefined) {
      const at: DataPath = ["profile", "sequence", i, "label"];
      c.report({
        path: at,
        expected: "a label no other sequence uses",
        found: `"${s.label}" (also profile.sequence[${first}])`,
      });
    } else {
      taken.set(s.label, i);
    }
  });
  const repeats = new Map<string, number>();
  for (const s of specs) if (s.label === undefined) repeats.set(s.kind, (repeats.get(s.kind) ?? 0) + 1);
  const seen = new Map<string, number>();
  return specs.map((s, i) => {
    if (s.label !== undefined) return s as SequenceSpec;
    let label: string = s.kind;
    if ((repeats.get(s.kind) ?? 0) > 1 || taken.has(label)) {
      let n = (seen.get(s.kind) ?? 0) + 1;
      label = n === 1 && !taken.has(s.kind) ? s.kind : `${s.kind}-${n}`;
      while (taken.has(label)) label = `${s.kind}-${++n}`;
      seen.set(s.kind, n);
    }
    taken.set(label, i);
    return { ...s, label };
  });
}
