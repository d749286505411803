/**
 * Reads a vramgate results JSON — untrusted input — for `compare`, `analyze` and
 * `bench --baseline`, with errors a person can act on: the file's size and kind checked
 * first (read-limited.ts), file:line:col for bad JSON, a nesting limit, then the results
 * schema (schema.ts) with file:line:col, JSON path, expected and found for every problem.
 */
import { InputError } from "../errors.js";
import { RESULTS_SCHEMA, type ResultsFile } from "./types.js";
import { jsonErrorOffset } from "./json-position.js";
import { lineCol, tooDeepAt } from "./json-locate.js";
import { LIMITS, readInputMaybeGzip } from "../io/read-limited.js";
import { validateResults } from "./schema.js";

export { lineCol };

/** Deepest nesting of arrays and objects accepted (vramgate's own files nest about 12 deep). */
export const MAX_JSON_DEPTH = 64;

/** `lenient`: accept results-like JSON without run metadata (see makeResultsSchema), for `analyze`. */
export interface ReadResultsOptions {
  lenient?: boolean;
}

export function parseResultsJson(text: string, file: string, opts: ReadResultsOptions = {}): ResultsFile {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const deep = tooDeepAt(text, MAX_JSON_DEPTH);
  if (deep !== undefined) {
    const { line, col } = lineCol(text, deep);
    throw new InputError([
      {
        file,
        line,
        col,
        expected: `a vramgate results JSON (arrays and objects nested at most ${MAX_JSON_DEPTH} deep)`,
        found: `nesting deeper than ${MAX_JSON_DEPTH}`,
      },
    ]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const offset = jsonErrorOffset(text) ?? 0;
    const { line, col } = lineCol(text, offset);
    const near = JSON.stringify(text.slice(offset, offset + 12));
    throw new InputError([
      { file, line, col, expected: "a vramgate results JSON", found: `invalid JSON near ${near}` },
    ]);
  }
  const schema = (data as { schema?: unknown } | null)?.schema;
  if (typeof data !== "object" || data === null || Array.isArray(data) || schema !== RESULTS_SCHEMA) {
    const found =
      typeof data !== "object" || data === null || Array.isArray(data)
        ? `${Array.isArray(data) ? "an array" : data === null ? "null" : `a ${typeof data}`} at the top level (not a vramgate results file?)`
        : schema === undefined
          ? "no schema field (not a vramgate results file?)"
          : JSON.stringify(schema).slice(0, 80);
    throw new InputError([{ file, path: "schema", expected: `"${RESULTS_SCHEMA}"`, found }]);
  }
  const checked = validateResults(data, text, file, opts);
  if (!checked.ok) throw new InputError(checked.problems);
  return checked.value;
}

/**
 * Reads and validates a results file, plain or gzip-compressed (`gzip -k run.json`: the
 * limit then holds for the decompressed text too). Refuses (InputError, exit 2) a missing or unreadable
 * file, a folder, a pipe or device, a file over VRAMGATE_MAX_RESULTS_MIB (32 MiB by
 * default), invalid JSON, nesting deeper than 64 and anything not shaped like a results file.
 */
export function readResultsFile(file: string, opts: ReadResultsOptions = {}): ResultsFile {
  const text = readInputMaybeGzip(file, { what: "a vramgate results JSON", limit: LIMITS.results });
  return parseResultsJson(text, file, opts);
}
