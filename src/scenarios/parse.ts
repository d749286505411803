/**
 * Scenario YAML → validated Scenario. Every problem found (YAML syntax, duplicate keys,
 * schema, semantic checks) is collected and thrown as one InputError whose problems carry
 * file:line:col of the offending node.
 */
import { LIMITS, readInputFile } from "../io/read-limited.js";
import { relative, resolve, isAbsolute } from "node:path";
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Alias,
  type Document,
  type YAMLError,
} from "yaml";
import { formatProblem, InputError, type InputProblem } from "../errors.js";
import { zodProblems } from "./issues.js";
import { describeValue, formatPath, YamlLocator } from "./locate.js";
import { scenarioSchema, scenarioShape, type RawScenario } from "./schema.js";
import { Checker } from "./checker.js";
import { resolveScenario } from "./resolve.js";
import type { Scenario } from "./types.js";

const TOP_LEVEL_EXPECTED = "a mapping of scenario fields (name, model, engine, profile, strategies, …)";

/** How the file is named in messages: as the user gave it, else relative to the working directory. */
export function displayName(file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}

/** The data path of the key written at `offset` (the repeated key of a DUPLICATE_KEY error). */
function keyPathAt(doc: Document, offset: number): Array<string | number> | undefined {
  let found: Array<string | number> | undefined;
  visit(doc, {
    Pair(_, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      const path: Array<string | number> = [];
      ancestors.forEach((a, i) => {
        if (isPair(a) && isScalar(a.key)) path.push(String(a.key.value));
        if (isSeq(a)) path.push(a.items.indexOf(ancestors[i + 1] as never));
      });
      found = [...path, String(pair.key.value)];
      return visit.BREAK;
    },
  });
  return found;
}

function yamlProblem(err: YAMLError, file: string, doc: Document, locator: YamlLocator): InputProblem {
  const { line, col } = locator.at(err.pos[0]);
  if (err.code === "DUPLICATE_KEY") {
    const path = keyPathAt(doc, err.pos[0]);
    const key = path?.[path.length - 1];
    const problem: InputProblem = {
      file,
      line,
      col,
      expected: "each key once in a mapping",
      found: key === undefined ? "a repeated key" : `"${key}" again`,
    };
    if (path) problem.path = formatPath(path);
    return problem;
  }
  const message = err.message.replace(/ at line \d+, column \d+[\s\S]*$/, "").trim();
  return {
    file,
    line,
    col,
    expected: "valid YAML",
    found: `a syntax error (${message})`,
    hint: "Check indentation, quotes and brackets here and on the lines above.",
  };
}

function aliasProblem(doc: Document, file: string, locator: YamlLocator, err: unknown): InputProblem {
  let bad: Alias | undefined;
  let first: Alias | undefined;
  visit(doc, {
    Alias(_, node) {
      first ??= node;
      if (node.resolve(doc) === undefined) {
        bad = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  const node = bad ?? first;
  const where = node?.range ? locator.at(node.range[0]) : { line: 1, col: 1 };
  const found = bad ? `*${bad.source}, which names no anchor above it` : `too many aliases (${(err as Error).message})`;
  return {
    file,
    ...where,
    expected: bad ? "an alias to an anchor defined earlier (&name before *name)" : "at most 1000 alias expansions",
    found,
  };
}

/**
 * Keys named `__proto__`: JavaScript objects cannot hold them as plain keys, and a record
 * (process.env, profile.inputs, gate.allow, …) would drop them without a word. Each is a
 * located problem instead.
 */
function reservedKeyProblems(doc: Document, file: string, locator: YamlLocator): InputProblem[] {
  const problems: InputProblem[] = [];
  visit(doc, {
    Pair(_, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.value !== "__proto__") return undefined;
      const path: Array<string | number> = [];
      ancestors.forEach((a, i) => {
        if (isPair(a) && isScalar(a.key)) path.push(String(a.key.value));
        if (isSeq(a)) path.push(a.items.indexOf(ancestors[i + 1] as never));
      });
      const where = pair.key.range ? locator.at(pair.key.range[0]) : { line: 1, col: 1 };
      problems.push({
        file,
        ...where,
        path: formatPath([...path, "__proto__"]),
        expected: 'a key other than "__proto__" (reserved in JavaScript: it cannot be kept as a name)',
        found: '"__proto__"',
        hint: "Rename it.",
      });
      return undefined;
    },
  });
  return problems;
}

const byPosition = (a: InputProblem, b: InputProblem): number =>
  (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0);

/**
 * Parses and validates scenario text. `file` locates the YAML's folder (model and cwd paths
 * are relative to it) and names the file in messages. Throws InputError listing all problems.
 */
export function parseScenario(text: string, file: string): Scenario {
  const name = displayName(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const locator = new YamlLocator(doc, lineCounter);

  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  for (const e of doc.errors) {
    // yaml can report one fault twice (e.g. an unclosed flow collection).
    const p = yamlProblem(e, name, doc, locator);
    const id = formatProblem(p);
    if (!seen.has(id)) problems.push(p);
    seen.add(id);
  }
  // Duplicate keys leave a usable document: go on and report the rest too.
  if (doc.errors.some((e) => e.code !== "DUPLICATE_KEY")) throw new InputError(problems.sort(byPosition));

  if (doc.contents === null) {
    problems.push({
      file: name,
      expected: TOP_LEVEL_EXPECTED,
      found: text.trim() === "" ? "an empty file" : "a file with no content (only comments)",
    });
    throw new InputError(problems);
  }
  const reserved = reservedKeyProblems(doc, name, locator);
  if (reserved.length > 0) throw new InputError([...problems, ...reserved].sort(byPosition));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    // Aliases are resolved only here: one naming no earlier anchor, or too many of them.
    problems.push(aliasProblem(doc, name, locator, e));
    throw new InputError(problems);
  }
  if (!isMap(doc.contents) || data === null || typeof data !== "object" || Array.isArray(data)) {
    const { line, col } = locator.locate([]);
    problems.push({ file: name, line, col, expected: TOP_LEVEL_EXPECTED, found: describeValue(data, true) });
    throw new InputError(problems);
  }

  const result = scenarioSchema.safeParse(data);
  if (!result.success)
    problems.push(...zodProblems(result.error.issues, { file: name, locator, data, schema: scenarioSchema }));

  // Sections that pass on their own still get the semantic checks (all problems at once).
  const record = data as Record<string, unknown>;
  const parts: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(scenarioShape)) {
    const r = (schema as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(record[key]);
    if (r.success) parts[key] = r.data;
  }
  const checker = new Checker(name, locator);
  const scenario = resolveScenario(parts as Partial<RawScenario>, new Set(Object.keys(record)), resolve(file), checker);
  problems.push(...checker.problems);

  if (problems.length > 0 || !scenario) throw new InputError(problems.sort(byPosition));
  return scenario;
}

/** Reads and parses a scenario file. A missing or unreadable file is an InputError too. */
export async function loadScenario(file: string): Promise<Scenario> {
  // A regular file of at most VRAMGATE_MAX_SCENARIO_MIB (1 MiB): never a pipe or /dev/urandom.
  const text = readInputFile(file, {
    what: "a scenario file (YAML)",
    limit: LIMITS.scenario,
    display: displayName(file),
  });
  return parseScenario(text, file);
}
