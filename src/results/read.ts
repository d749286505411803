/**
 * Reads a vramgate results JSON with errors a person can act on (file:line:col for bad
 * JSON, the schema found vs expected), for `compare`, `analyze` and `bench --baseline`.
 */
import { readFileSync } from "node:fs";
import { InputError } from "../cli/errors.js";
import { RESULTS_SCHEMA, type ResultsFile } from "./types.js";
import { jsonErrorOffset } from "./json-position.js";

/** 1-based line and column of a character offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, col: offset - last };
}

export function parseResultsJson(text: string, file: string): ResultsFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const offset = jsonErrorOffset(text) ?? 0;
    const { line, col } = lineCol(text, offset);
    const near = JSON.stringify(text.slice(offset, offset + 12));
    throw new InputError([{ file, line, col, expected: "a vramgate results JSON", found: `invalid JSON near ${near}` }]);
  }
  const schema = (data as { schema?: unknown } | null)?.schema;
  if (typeof data !== "object" || data === null || Array.isArray(data) || schema !== RESULTS_SCHEMA) {
    throw new InputError([{ file, path: "schema", expected: `"${RESULTS_SCHEMA}"`, found: schema === undefined ? "no schema field (not a vramgate results file?)" : JSON.stringify(schema) }]);
  }
  const r = data as ResultsFile;
  if (!Array.isArray(r.runs)) throw new InputError([{ file, path: "runs", expected: "an array of runs", found: typeof r.runs }]);
  return r;
}

export function readResultsFile(file: string): ResultsFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError([{ file, expected: "a readable results JSON file", found: code === "ENOENT" ? "no such file" : `unreadable (${code ?? (e as Error).message})` }]);
  }
  return parseResultsJson(text, file);
}
