/**
 * Numeric flags checked with the user's own text in the message. The options are declared
 * without a yargs `type` (yargs still turns "20" into 20), so a value such as "abc" reaches
 * the check as the string the user typed instead of NaN ("found null" said nothing).
 */
import { InputError } from "../errors.js";

/** The user's value for a message: strings quoted, at most 80 characters. */
function shown(v: unknown): string {
  const s = typeof v === "string" ? JSON.stringify(v) : String(v);
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

export interface NumberFlagSpec {
  /** Whole numbers only. */
  integer?: boolean;
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value, exclusive (e.g. 1 for a fraction). */
  below?: number;
  /** What the value is, for the message, e.g. "a fraction such as 0.05 for 5 %". */
  what?: string;
}

function expected(spec: NumberFlagSpec): string {
  if (spec.what) return spec.what;
  const kind = spec.integer ? "an integer" : "a number";
  if (spec.min !== undefined && spec.below !== undefined) return `${kind} in [${spec.min}, ${spec.below})`;
  if (spec.min !== undefined) return `${kind} ≥ ${spec.min}`;
  return kind;
}

/**
 * The flag's value as a number, or undefined when the flag was not given. Throws
 * InputError (exit 2) naming the flag, what it takes and what was found.
 */
export function numberFlag(flag: string, raw: unknown, spec: NumberFlagSpec = {}): number | undefined {
  if (raw === undefined) return undefined;
  // Given twice: the last one wins, as with most command-line tools.
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  const bad = (): never => {
    const found = typeof value === "boolean" ? "no value" : shown(value);
    throw new InputError(`--${flag}: expected ${expected(spec)}, found ${found}.`);
  };
  let v: number;
  if (typeof value === "number") v = value;
  else if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) v = Number(value);
  else return bad();
  if (!Number.isFinite(v)) return bad();
  if (spec.integer && !Number.isInteger(v)) return bad();
  if (spec.min !== undefined && v < spec.min) return bad();
  if (spec.below !== undefined && v >= spec.below) return bad();
  return v;
}
