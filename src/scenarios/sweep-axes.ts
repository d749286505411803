/**
 * What a sweep axis names: `precision`, `sequence`, `profile`, or `<engine>.<option>` looked up in the
 * engine's own zod section (through mappings such as `process.env.NAME`). The lookup reads
 * zod 4's public `_zod.def`, as schema-walk.ts does.
 */
import type * as z from "zod";
import { quote } from "../errors.js";
import type { EngineDescriptor } from "../engines/contract.js";
import { REGISTRY } from "../engines/registry.js";
import { describeValue } from "./locate.js";
import { closest } from "./suggest.js";
import type { SweepValue } from "./types.js";

/** What one axis sets. */
export type Axis =
  | { kind: "precision" }
  /** One of the scenario's sequences, by label (each combination otherwise runs them all). */
  | { kind: "sequence" }
  | { kind: "profile" }
  /** `path` inside the engine's section, e.g. ["env", "PYTORCH_CUDA_ALLOC_CONF"]. */
  | { kind: "option"; path: string[]; leaf: z.ZodType };

/** An axis that could not be named, worded for the checker. */
export interface AxisProblem {
  expected: string;
  found: string;
  hint?: string;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
}
const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(s: z.ZodType): z.ZodType {
  for (let d = def(s); d.innerType; d = def(s)) s = d.innerType;
  return s;
}

/** Every option a sweep may name for this engine, e.g. "onnxruntime.intraOpThreads", "process.env.NAME". */
function optionNames(engine: EngineDescriptor): string[] {
  const out: string[] = [];
  const shape = def(unwrap(engine.section)).shape ?? {};
  for (const [k, v] of Object.entries(shape)) {
    const d = def(unwrap(v));
    out.push(d.type === "record" ? `${engine.name}.${k}.NAME` : `${engine.name}.${k}`);
  }
  return out;
}

const SCALARS = new Set(["string", "number", "int", "boolean", "enum", "literal"]);

/** The axis `key` names for a scenario of `engine`, or why it names none. */
export function axisOf(key: string, engine: EngineDescriptor, hasProfiles: boolean): Axis | AxisProblem {
  if (key === "precision") return { kind: "precision" };
  if (key === "sequence") return { kind: "sequence" };
  if (key === "profile") {
    return hasProfiles
      ? { kind: "profile" }
      : {
          expected: "profile only beside sweep.profiles (the named variants it chooses from)",
          found: "a profile axis without sweep.profiles",
        };
  }
  const candidates = ["precision", "sequence", "profile", "max", "list", "profiles", ...optionNames(engine)];
  const [head, ...rest] = key.split(".");
  const unknown = (): AxisProblem => {
    const near = closest(key, candidates);
    return {
      expected: `precision, sequence, profile, or an option of the ${engine.name} engine (${optionNames(engine).join(", ")})`,
      found: quote(key),
      ...(near ? { hint: `Did you mean "${near}"?` } : {}),
    };
  };
  if (head !== engine.name) {
    const other = REGISTRY.find((d) => d.name === head);
    if (!other) return unknown();
    return {
      expected: `an option of the ${engine.name} engine (engine is ${engine.name})`,
      found: `${quote(key)}, an option of the ${other.name} engine`,
      hint: `Options of the ${engine.name} engine: ${optionNames(engine).join(", ")}.`,
    };
  }
  let schema = unwrap(engine.section);
  const path: string[] = [];
  for (const seg of rest) {
    const d = def(schema);
    if (d.type === "object" && d.shape?.[seg]) schema = unwrap(d.shape[seg]);
    else if (d.type === "record" && d.valueType && seg !== "") schema = unwrap(d.valueType);
    else return unknown();
    path.push(seg);
  }
  if (path.length === 0 || !SCALARS.has(def(schema).type)) {
    if (path.length > 0 && def(schema).type === "record")
      return {
        expected: `one variable of ${key}, e.g. ${key}.NAME`,
        found: `${quote(key)}, the whole mapping`,
      };
    return path.length === 0 ? unknown() : { expected: "an option that takes one value", found: quote(key) };
  }
  return { kind: "option", path, leaf: schema };
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
};

/** Why `value` does not fit the option (undefined: it fits), from the option's own zod schema. */
export function optionValueProblem(leaf: z.ZodType, value: SweepValue): AxisProblem | undefined {
  const r = leaf.safeParse(value);
  if (r.success) return undefined;
  const issue = r.error.issues[0] as
    | { code: string; expected?: string; minimum?: number; maximum?: number; values?: unknown[]; inclusive?: boolean }
    | undefined;
  let expected = "a value the option accepts";
  if (issue?.code === "invalid_type" && issue.expected) expected = TYPE_WORDS[issue.expected] ?? issue.expected;
  else if (issue?.code === "too_small") expected = `at least ${issue.minimum}`;
  else if (issue?.code === "too_big") expected = `at most ${issue.maximum}`;
  else if (issue?.code === "invalid_value" && issue.values) expected = `one of ${issue.values.join(", ")}`;
  else if (issue?.code === "invalid_format") expected = "a whole number";
  return { expected, found: describeValue(value, true) };
}
