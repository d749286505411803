/**
 * The import graph of src/: every relative import (static, re-export, and literal dynamic
 * import()) as an edge between files, and the checks the architecture test runs on it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Layers from the bottom up (DESIGN.md "The flow"): a file may import its own layer or lower ones. */
const LAYERS: ReadonlyArray<{ name: string; paths: string[] }> = [
  { name: "base", paths: ["errors.ts", "timers.ts", "zod-issue.ts", "uniform-at.ts", "format.ts", "io/"] },
  { name: "native", paths: ["native/"] },
  { name: "models", paths: ["models/"] },
  { name: "engines", paths: ["engines/"] },
  { name: "scenarios", paths: ["scenarios/"] },
  { name: "results", paths: ["results/"] },
  { name: "run", paths: ["run/"] },
  { name: "analysis", paths: ["analysis/"] },
  { name: "report", paths: ["report/"] },
  { name: "pipeline", paths: ["pipeline.ts", "pipeline/"] },
  { name: "entry points", paths: ["cli/", "bench/"] },
];

export interface Edge {
  from: string;
  to: string;
  line: number;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^;]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Edges between files of `root` (paths relative to it, .ts). */
export function importGraph(root: string): { files: string[]; edges: Edge[] } {
  const files = tsFiles(root).map((f) => relative(root, f));
  const edges: Edge[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    for (const m of text.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      const to = relative(root, resolve(dirname(join(root, file)), spec)).replace(/\.js$/, ".ts");
      const line = text.slice(0, m.index).split("\n").length;
      edges.push({ from: file, to, line });
    }
  }
  return { files, edges };
}

export function layerOf(file: string): number {
  const i = LAYERS.findIndex((l) => l.paths.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p)));
  if (i < 0) throw new Error(`${file} is in no layer: add it to LAYERS in test/architecture/imports.ts`);
  return i;
}

/** Imports from a lower layer to a higher one, worded for the failure message. */
export function upwardImports(edges: Edge[]): string[] {
  return edges
    .filter((e) => layerOf(e.to) > layerOf(e.from))
    .map(
      (e) => `${e.from}:${e.line} imports ${e.to} (${LAYERS[layerOf(e.from)]!.name} → ${LAYERS[layerOf(e.to)]!.name})`,
    );
}

/** Groups of files that import each other in a loop (Tarjan's strongly connected components of size > 1). */
export function importCycles(files: string[], edges: Edge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) cycles.push(group.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return cycles;
}
