/**
 * Walks the zod schema along a data path to learn what a mapping there may hold: the
 * candidate list for "did you mean" on an unknown key. Reads zod 4's public `_zod.def`.
 */
import type * as z from "zod";
import type { DataPath } from "./locate.js";

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  entries?: Record<string, string | number>;
  values?: unknown[];
}

const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Peels optional/default/prefault/nullable/pipe wrappers. */
function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    const d = def(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === "pipe" && d.in) s = d.in;
    else return s;
  }
}

function matchesValue(s: z.ZodType, value: unknown): boolean {
  const d = def(unwrap(s));
  if (d.type === "union") return true; // expanded (and filtered) one level down
  if (Array.isArray(value)) return d.type === "array";
  if (value !== null && typeof value === "object") {
    if (d.type === "record") return true;
    if (d.type !== "object") return false;
    // A discriminated branch matches when its literal `kind` equals the data's.
    const kind = d.shape?.kind;
    const kindValues = kind ? def(unwrap(kind)).values : undefined;
    return !kindValues || kindValues.includes((value as Record<string, unknown>).kind);
  }
  return d.type !== "object" && d.type !== "array" && d.type !== "record";
}

/** The schemas that may describe the value at `path` (several where a union is ambiguous). */
function schemasAt(root: z.ZodType, path: DataPath, data: unknown): z.ZodType[] {
  let current: z.ZodType[] = [root];
  let value = data;
  const expand = (list: z.ZodType[], v: unknown): z.ZodType[] =>
    list.flatMap((s) => {
      const u = unwrap(s);
      const d = def(u);
      return d.type === "union" && d.options
        ? expand(
            d.options.filter((o) => matchesValue(o, v)),
            v,
          )
        : [u];
    });
  current = expand(current, value);
  for (const seg of path) {
    const next: z.ZodType[] = [];
    for (const s of current) {
      const d = def(s);
      if (d.type === "object" && typeof seg === "string" && d.shape?.[seg]) next.push(d.shape[seg]);
      else if (d.type === "record" && d.valueType) next.push(d.valueType);
      else if (d.type === "array" && d.element && typeof seg === "number") next.push(d.element);
    }
    value = value !== null && typeof value === "object" ? (value as Record<string | number, unknown>)[seg] : undefined;
    current = expand(next, value);
  }
  return current;
}

/** Keys a mapping at `path` accepts (object fields, or a record's enum keys). */
export function knownKeys(root: z.ZodType, path: DataPath, data: unknown): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(root, path, data)) {
    const d = def(s);
    if (d.type === "object" && d.shape) for (const k of Object.keys(d.shape)) keys.add(k);
    if (d.type === "record" && d.keyType) {
      const kd = def(unwrap(d.keyType));
      if (kd.entries) for (const k of Object.values(kd.entries)) keys.add(String(k));
    }
  }
  return [...keys];
}

/**
 * Every field path the schema defines (through objects, unions and list items; record
 * entries are user-named, so not followed), e.g. ["run", "iterations"]. Used to say where
 * a key written at the wrong level belongs.
 */
export function allFieldPaths(root: z.ZodType): string[][] {
  const out: string[][] = [];
  const seen = new Set<string>();
  const walk = (s: z.ZodType, prefix: string[]): void => {
    const d = def(unwrap(s));
    if (d.type === "union" && d.options) for (const o of d.options) walk(o, prefix);
    else if (d.type === "array" && d.element) walk(d.element, prefix);
    else if (d.type === "record" && d.valueType && d.keyType && def(unwrap(d.keyType)).entries)
      walk(d.valueType, [...prefix, "*"]);
    else if (d.type === "object" && d.shape) {
      for (const [k, v] of Object.entries(d.shape)) {
        const path = [...prefix, k];
        const id = path.join(".");
        if (!seen.has(id)) out.push(path);
        seen.add(id);
        walk(v, path);
      }
    }
  };
  walk(root, []);
  return out;
}
