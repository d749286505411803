/**
 * Mangled scenario files never crash the parser: each either parses or fails with an
 * InputError whose problems are located and read as sentences (no "undefined", no
 * "[object Object]"). Mutations are seeded, so a failure reproduces.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { parseScenario } from "../../src/scenarios/parse.js";
import { uniformAt } from "../../src/uniform-at.js";

const SOURCES = [
  "test/fixtures/scenarios/valid/full.yaml",
  "test/fixtures/scenarios/valid/process.yaml",
  "scenarios/resnet.yaml",
];
const REPLACEMENTS = [
  "0",
  "-1",
  "2.5",
  '"text"',
  "[]",
  "{}",
  "[1, [2]]",
  "{ a: 1 }",
  "null",
  "true",
  "~",
  "persistent",
  "1e400",
  "&a x",
  "*a",
  "'",
  "{",
  "- x",
];

/** Deterministic mutation number `n` of `text`. */
function mutate(text: string, n: number): string {
  const rand = (i: number) => uniformAt(7, n, i);
  const lines = text.split("\n");
  const at = Math.floor(rand(0) * lines.length);
  const line = lines[at] ?? "";
  switch (Math.floor(rand(1) * 5)) {
    case 0: {
      // Replace the value after a colon.
      const colon = line.indexOf(": ");
      const value = REPLACEMENTS[Math.floor(rand(2) * REPLACEMENTS.length)]!;
      lines[at] = colon >= 0 ? `${line.slice(0, colon + 2)}${value}` : `${line}${value}`;
      break;
    }
    case 1:
      lines.splice(at, 1);
      break;
    case 2:
      lines.splice(at, 0, line);
      break;
    case 3: {
      const pos = Math.floor(rand(3) * (line.length + 1));
      lines[at] = line.slice(0, pos) + line.slice(pos + 1);
      break;
    }
    case 4:
      lines[at] = `  ${line}`;
      break;
  }
  return lines.join("\n");
}

describe("parser robustness", () => {
  it.each(SOURCES)("%s: 300 mutations parse or fail with located InputErrors", (source) => {
    const text = readFileSync(source, "utf8");
    const file = resolve(source);
    let failed = 0;
    for (let n = 0; n < 300; n++) {
      // Every third case mutates twice, so mistakes also meet each other.
      const once = mutate(text, n);
      const mutated = n % 3 === 2 ? mutate(once, n + 100_000) : once;
      try {
        parseScenario(mutated, file);
      } catch (e) {
        if (!(e instanceof InputError)) throw new Error(`mutation ${n} threw ${String(e)}:\n${mutated}`);
        failed++;
        expect(e.problems.length, `mutation ${n}`).toBeGreaterThan(0);
        for (const p of e.problems) {
          expect(p.line === undefined || (p.line >= 1 && (p.col ?? 0) >= 1), `mutation ${n}: ${e.message}`).toBe(true);
        }
        expect(e.message, `mutation ${n}`).not.toMatch(/undefined|\[object Object\]|NaN/);
      }
    }
    // Most mutations break something: the test exercises the error paths.
    expect(failed).toBeGreaterThan(100);
  });
});
