import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type Edge, importCycles, importGraph, layerOf, upwardImports } from "./imports.js";

const SRC = resolve(import.meta.dirname, "../../src");

describe("the layers of src/", () => {
  const { files, edges } = importGraph(SRC);

  it("reads the imports of every file (sanity: the graph is not empty, every target exists)", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(edges.length).toBeGreaterThan(files.length);
    const missing = edges.filter((e) => !existsSync(resolve(SRC, e.to))).map((e) => `${e.from}:${e.line} → ${e.to}`);
    expect(missing).toEqual([]);
  });

  it("puts every file in a layer", () => {
    for (const f of files) expect(() => layerOf(f)).not.toThrow();
  });

  it("has no import that points up a layer", () => {
    expect(upwardImports(edges)).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(importCycles(files, edges)).toEqual([]);
  });
});

describe("the checks themselves", () => {
  it("find an upward import and a cycle in a made-up graph", () => {
    const edges: Edge[] = [
      { from: "scenarios/parse.ts", to: "cli/main.ts", line: 3 },
      { from: "run/a.ts", to: "run/b.ts", line: 1 },
      { from: "run/b.ts", to: "run/a.ts", line: 1 },
      { from: "report/x.ts", to: "analysis/y.ts", line: 9 },
    ];
    expect(upwardImports(edges)).toEqual(["scenarios/parse.ts:3 imports cli/main.ts (scenarios → entry points)"]);
    expect(importCycles(["run/a.ts", "run/b.ts", "report/x.ts", "analysis/y.ts"], edges)).toEqual([
      ["run/a.ts", "run/b.ts"],
    ]);
  });
});
