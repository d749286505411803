/**
 * zod issues → located InputProblems that say what was expected and what was found.
 * Unions are resolved to the branch the user evidently meant (the one whose type matches
 * what they wrote), so a typo inside a mapping is reported there, not as "invalid input".
 */
import type * as z from "zod";
import type { InputProblem } from "../errors.js";
import { describeValue, formatPath, valueAt, type DataPath, type YamlLocator } from "./locate.js";
import { allFieldPaths, knownKeys } from "./schema-walk.js";
import { closest, didYouMean } from "./suggest.js";
import type { ZodIssueView } from "../zod-issue.js";

type Issue = ZodIssueView;

export interface IssueContext {
  file: string;
  locator: YamlLocator;
  data: unknown;
  schema: z.ZodType;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

const toPath = (p: PropertyKey[]): Array<string | number> => p.map((s) => (typeof s === "number" ? s : String(s)));

function oneOf(values: readonly unknown[]): string {
  return `one of ${values.map((v) => String(v)).join(", ")}`;
}

/** What a branch wanted at its root, for "expected X or Y" when no branch fits. */
function rootExpectation(branch: Issue[]): string | undefined {
  const root = branch.find((i) => i.path.length === 0);
  if (!root) return undefined;
  if (root.code === "invalid_type" && root.expected) return TYPE_NAMES[root.expected] ?? root.expected;
  if (root.code === "invalid_value" && root.values) return oneOf(root.values);
  if (root.code === "invalid_union" && root.errors) {
    const parts = root.errors.map(rootExpectation).filter((x): x is string => x !== undefined);
    return parts.length ? parts.join(" or ") : undefined;
  }
  return undefined;
}

/** A branch that failed only because the value has another type is not what the user meant. */
function branchFits(branch: Issue[], value: unknown): boolean {
  const isContainer = value !== null && typeof value === "object";
  return !branch.some(
    (i) =>
      i.path.length === 0 &&
      (i.code === "invalid_type" ||
        (i.code === "invalid_value" && isContainer) ||
        // A nested union fits when one of its own branches does.
        (i.code === "invalid_union" && (i.errors?.length ?? 0) > 0 && !i.errors!.some((b) => branchFits(b, value)))),
  );
}

function bound(issue: Issue, small: boolean): string {
  const n = Number(small ? issue.minimum : issue.maximum);
  if (issue.origin === "array" || issue.origin === "set") {
    const items = `${n} item${n === 1 ? "" : "s"}`;
    return issue.exact
      ? `a list of exactly ${items}`
      : small
        ? `a list of at least ${items}`
        : `a list of at most ${items}`;
  }
  if (issue.origin === "string")
    return small
      ? n <= 1
        ? "a non-empty string"
        : `a string of at least ${n} characters`
      : `a string of at most ${n} characters`;
  if (small) return issue.inclusive === false ? `a value greater than ${n}` : `a value of at least ${n}`;
  return issue.inclusive === false ? `a value less than ${n}` : `a value of at most ${n}`;
}

/** For a key written at the wrong level: where a field of that name (or close to it) lives. */
function elsewhere(key: string, at: DataPath, schema: z.ZodType): string | undefined {
  const here = at.filter((s) => typeof s === "string").join(".");
  const others = allFieldPaths(schema).filter((p) => p.slice(0, -1).join(".") !== here && !p.includes("*"));
  const name = closest(
    key,
    others.map((p) => p[p.length - 1]!),
  );
  if (name === undefined) return undefined;
  const homes = others.filter((p) => p[p.length - 1] === name).map((p) => p.join("."));
  if (homes.length !== 1) return undefined;
  return `Did you mean ${homes[0]}? (${name} belongs under ${homes[0]!.split(".").slice(0, -1).join(".")}:)`;
}

/** Turns one zod issue (with `prefix` from enclosing unions) into problems. */
function convert(issue: Issue, prefix: DataPath, ctx: IssueContext, out: InputProblem[]): void {
  const path = [...prefix, ...toPath(issue.path)];
  const value = valueAt(ctx.data, path);
  const push = (p: Omit<InputProblem, "file" | "line" | "col" | "path">, at: DataPath = path, key = false) => {
    const { line, col } = ctx.locator.locate(at, { key });
    const entry: InputProblem = {
      file: ctx.file,
      line,
      col,
      path: formatPath(at),
      expected: p.expected,
      found: p.found,
    };
    if (p.hint) entry.hint = p.hint;
    out.push(entry);
  };

  if (bareShapeList(path, ctx, push, out)) return;

  switch (issue.code) {
    case "invalid_type": {
      const expected = TYPE_NAMES[issue.expected ?? ""] ?? issue.expected ?? "another type";
      if (value === undefined) {
        push({ expected, found: "nothing", hint: `${formatPath(path)} is required.` });
      } else {
        const hint =
          typeof value === "number" && issue.expected === "string"
            ? "Quote it to make it a string."
            : value === null && issue.expected === "object"
              ? `Give ${formatPath(path)} its fields, or leave the key out.`
              : undefined;
        push({ expected, found: describeValue(value, true), ...(hint ? { hint } : {}) });
      }
      return;
    }
    case "invalid_value": {
      const values = issue.values ?? [];
      const hint = typeof value === "string" ? didYouMean(value, values.map(String)) : undefined;
      push({ expected: oneOf(values), found: describeValue(value), ...(hint ? { hint } : {}) });
      return;
    }
    case "unrecognized_keys": {
      const known = knownKeys(ctx.schema, path, ctx.data);
      for (const key of issue.keys ?? []) {
        const hint = didYouMean(key, known) ?? elsewhere(key, path, ctx.schema);
        push(
          {
            expected: known.length ? `one of the keys ${known.join(", ")}` : "no such key",
            found: `unknown key "${key}"`,
            ...(hint ? { hint } : {}),
          },
          [...path, key],
          true,
        );
      }
      return;
    }
    case "too_small":
    case "too_big":
      push({ expected: bound(issue, issue.code === "too_small"), found: describeValue(value) });
      return;
    case "invalid_union": {
      const branches = issue.errors ?? [];
      if (branches.length === 0 && issue.options) {
        // A discriminated union whose `kind` matched no branch.
        const hint = typeof value === "string" ? didYouMean(value, issue.options.map(String)) : undefined;
        push({ expected: oneOf(issue.options), found: describeValue(value), ...(hint ? { hint } : {}) });
        return;
      }
      const fitting = branches.filter((b) => branchFits(b, value));
      if (fitting.length > 0) {
        const best = fitting.reduce((a, b) => (b.length < a.length ? b : a));
        for (const inner of best) convert(inner, path, ctx, out);
        return;
      }
      const wanted = branches.map(rootExpectation).filter((x): x is string => x !== undefined);
      // A union with its own message (schema.ts `error:`) says it better than the branch list.
      const custom = issue.message !== "Invalid input" ? issue.message : undefined;
      const required = value === undefined ? { hint: `${formatPath(path)} is required.` } : {};
      push({
        expected: custom ?? (wanted.length ? wanted.join(" or ") : "another value"),
        found: describeValue(value, true),
        ...required,
      });
      return;
    }
    case "invalid_key":
    case "invalid_element":
      for (const inner of issue.issues ?? []) convert(inner, path, ctx, out);
      return;
    default:
      // invalid_format (our regex messages), custom, not_multiple_of: zod's message is the expectation.
      push({ expected: issue.message, found: describeValue(value) });
  }
}

const BARE_SHAPES = "a list of shapes, one mapping from input name to dims per item";

/**
 * `shapes: [2, 3, 64, 64]` is one shape written where a list of shape mappings belongs;
 * zod's own complaint ("a list of exactly 1 item", or one per number) hides that. Reported
 * once for the list, with the form to write. True when the issue was about such a list.
 */
function bareShapeList(
  path: DataPath,
  ctx: IssueContext,
  push: (p: Omit<InputProblem, "file" | "line" | "col" | "path">, at?: DataPath) => void,
  out: InputProblem[],
): boolean {
  const at =
    path[path.length - 1] === "shapes"
      ? path
      : path[path.length - 2] === "shapes" && typeof path[path.length - 1] === "number"
        ? path.slice(0, -1)
        : undefined;
  if (!at) return false;
  const list = valueAt(ctx.data, at);
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === "number")) return false;
  if (out.some((p) => p.path === formatPath(at) && p.expected === BARE_SHAPES)) return true;
  const inputs = valueAt(ctx.data, ["profile", "inputs"]);
  const names = inputs !== null && typeof inputs === "object" && !Array.isArray(inputs) ? Object.keys(inputs) : [];
  const name = names.length === 1 ? names[0]! : "input";
  const dims = `[${list.join(", ")}]`;
  push({ expected: BARE_SHAPES, found: `one shape ${dims}`, hint: `Write shapes: [{ ${name}: ${dims} }].` }, at);
  return true;
}

export function zodProblems(issues: readonly unknown[], ctx: IssueContext): InputProblem[] {
  const out: InputProblem[] = [];
  for (const issue of issues) convert(issue as Issue, [], ctx, out);
  return out;
}
