/**
 * Seeded generators of hostile input: malformed scenarios, results files and CSV traces,
 * built by mutating valid ones (so most cases get deep into the parsers), plus a few whole
 * files of garbage. Same seed, same cases.
 */
import { tinyScenarioYaml } from "../../src/models/tiny.js";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { mulberry32 } from "../../src/analysis/stats/prng.js";

export class Rng {
  private readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

const deep = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
};

/** A value of the wrong type, size or range for almost any field. */
function badValue(r: Rng): unknown {
  const kinds: Array<() => unknown> = [
    () => null,
    () => "",
    () => "x".repeat(r.pick([300, 5000, 200_000])),
    () => -1,
    () => 0,
    () => 1.5,
    () => 1e308,
    () => -1e308,
    () => 2 ** 53 + 2,
    () => 2 ** 32,
    () => 3e6,
    () => true,
    () => [],
    () => [null, "a", 1],
    () => deep(r.pick([10, 80, 300])),
    () => ({ a: 1 }),
    () => ({ __proto__x: 1, constructor: "c" }),
    () => "é\u0000\uFFFF\u202Enul",
    () => "../../../etc/passwd",
    () => "a/b c",
    () => "名前",
    () => Array.from({ length: r.pick([50, 3000]) }, (_, i) => i),
    () => "NaN",
    () => "-0",
    () => "1e400",
  ];
  return r.pick(kinds)();
}

type Json = unknown;
type Path = Array<string | number>;

/** Every path to a node of `v` (containers and leaves), capped. */
function allPaths(v: Json, max = 20_000): Path[] {
  const out: Path[] = [];
  const stack: Array<[Json, Path]> = [[v, []]];
  while (stack.length && out.length < max) {
    const [node, path] = stack.pop()!;
    if (path.length) out.push(path);
    if (Array.isArray(node)) for (const [i, c] of node.entries()) stack.push([c, [...path, i]]);
    else if (node && typeof node === "object") for (const [k, c] of Object.entries(node)) stack.push([c, [...path, k]]);
  }
  return out;
}

function parentOf(root: Json, path: Path): { parent: Record<string | number, Json>; key: string | number } | undefined {
  let node = root as Record<string | number, Json>;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (!next || typeof next !== "object") return undefined;
    node = next as Record<string | number, Json>;
  }
  return { parent: node, key: path[path.length - 1]! };
}

/** One structural mutation of a parsed document (in place). Returns what it did. */
function mutate(r: Rng, root: Json, targeted: Array<[Path, () => unknown]> = []): string {
  const paths = allPaths(root);
  const op = r.int(targeted.length ? 6 : 5);
  if (op === 5 && targeted.length) {
    const [path, value] = r.pick(targeted);
    const p = parentOf(root, path);
    if (p) p.parent[p.key] = value();
    return `set ${path.join(".")}`;
  }
  const path = r.pick(paths);
  const p = parentOf(root, path);
  if (!p) return "noop";
  switch (op) {
    case 0:
    case 1:
      p.parent[p.key] = badValue(r);
      return `bad value at ${path.join(".")}`;
    case 2:
      if (Array.isArray(p.parent)) p.parent.splice(Number(p.key), 1);
      else delete p.parent[p.key];
      return `delete ${path.join(".")}`;
    case 3: {
      const target = p.parent[p.key];
      const key = r.pick(["__proto__", "constructor", "unknownKey", "ïñ", "k".repeat(1000), "iteration", "0"]);
      if (target && typeof target === "object" && !Array.isArray(target))
        Object.defineProperty(target, key, {
          value: badValue(r),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      else p.parent[p.key] = { [key]: target };
      return `key ${key.slice(0, 20)} at ${path.join(".")}`;
    }
    default: {
      // Swap two nodes' values: right shape, wrong place.
      const other = parentOf(root, r.pick(paths));
      if (other) [p.parent[p.key], other.parent[other.key]] = [other.parent[other.key], p.parent[p.key]];
      return `swap at ${path.join(".")}`;
    }
  }
}

/** Text-level damage: truncation, stray bytes, duplicated lines. */
function damageText(r: Rng, text: string): { text: string | Buffer; what: string } {
  const op = r.int(5);
  const at = r.int(text.length + 1);
  switch (op) {
    case 0:
      return { text: text.slice(0, at), what: `truncated at ${at}` };
    case 1: {
      const junk = r.pick(["\u0000", "\t", "{[", ":", '"', "'", "- ", "&a *a", "\uFFFD", "\r", "\\u12", "]]]", "#"]);
      return { text: text.slice(0, at) + junk + text.slice(at), what: `inserted ${JSON.stringify(junk)} at ${at}` };
    }
    case 2: {
      const lines = text.split("\n");
      const i = r.int(lines.length);
      lines.splice(i, 0, lines[i]!);
      return { text: lines.join("\n"), what: `duplicated line ${i + 1}` };
    }
    case 3:
      return {
        text: Buffer.concat([Buffer.from(text.slice(0, at)), r.bytes(1 + r.int(64)), Buffer.from(text.slice(at))]),
        what: `random bytes at ${at}`,
      };
    default:
      return { text: `\uFEFF${text}`, what: "BOM" };
  }
}

// ---------------------------------------------------------------------------------------
// Scenarios

export function baseScenarioYaml(name: string): string {
  // The suite's tiny scenario (src/models/tiny.ts), short and with a gate section to damage too.
  return tinyScenarioYaml({
    name,
    run: "{ warmup: 1, iterations: 4, rounds: 2, watchdogS: 30, maxDurationS: 60, seed: 1 }",
    extra: "gate: { leak: warn, maxResidualMiB: 64, maxSlowdown: 0.5 }\n",
  });
}

const SCENARIO_TARGETS: Array<[Path, () => unknown]> = [
  [["run", "watchdogS"], () => 3e6],
  [["run", "watchdogS"], () => 1e12],
  [["run", "watchdogS"], () => 2 ** 31],
  [["memory", "intervalMs"], () => 1e12],
  [["run", "iterations"], () => 1e15],
  [["name"], () => "n".repeat(300)],
  [["model"], () => "/dev/zero"],
  [["model"], () => "missing.onnx"],
  [["model"], () => "."],
  [["model"], () => ({ generate: "resnet18", seed: 2 ** 32 })],
  [["profile", "inputs", "input", "max"], () => [4, 1e9]],
  [["profile", "sequence"], () => Array.from({ length: 200 }, () => "random")],
  [["strategies"], () => ["persistent"]],
  [["engine"], () => "process"],
];

/** A malformed scenario: structural mutations of the base, text damage, or garbage. */
export function scenarioCase(r: Rng, name: string): { text: string | Buffer; what: string } {
  const kind = r.int(10);
  if (kind < 6) {
    const doc = parseYaml(baseScenarioYaml(name)) as Json;
    const whats: string[] = [];
    for (let i = 0, n = 1 + r.int(3); i < n; i++) whats.push(mutate(r, doc, SCENARIO_TARGETS));
    let text: string;
    try {
      text = stringifyYaml(doc, { aliasDuplicateObjects: false, lineWidth: 0 });
    } catch {
      text = JSON.stringify(doc);
    }
    return { text, what: whats.join("; ") };
  }
  if (kind < 8) return damageText(r, baseScenarioYaml(name));
  const garbage: Array<() => { text: string | Buffer; what: string }> = [
    () => ({ text: "", what: "empty" }),
    () => ({ text: r.bytes(2048), what: "binary" }),
    () => ({ text: "---\n---\n", what: "two empty documents" }),
    () => ({
      text: `a: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from(
        { length: 9 },
        (_, i) =>
          `b${i}: &b${i} [${Array(9)
            .fill(i ? `*b${i - 1}` : "*a")
            .join(",")}]`,
      ).join("\n")}\n`,
      what: "alias bomb",
    }),
    () => ({ text: `${"[".repeat(5000)}${"]".repeat(5000)}`, what: "deep flow sequence" }),
    // (Each unknown key costs the parser ~0.5 ms of suggestions: 3000 keys, not the 60,000 a 1 MiB file can hold.)
    () => ({ text: Array.from({ length: 3000 }, (_, i) => `k${i}: ${i}`).join("\n"), what: "3000 unknown keys" }),
    () => ({ text: `name: ${"x".repeat(1_200_000)}\n`, what: "over the size limit" }),
    () => ({ text: "[1, 2, 3]\n", what: "a list" }),
    () => ({ text: "just a string\n", what: "a scalar" }),
    () => ({ text: baseScenarioYaml(name).replace(/^ {2}/gm, "\t"), what: "tabs" }),
  ];
  return r.pick(garbage)();
}

// ---------------------------------------------------------------------------------------
// Results files

/** A results file made unrecognisable in one of many ways (most still JSON). */
export function resultsCase(r: Rng, baseText: string): { text: string | Buffer; what: string } {
  const kind = r.int(10);
  if (kind < 6) {
    const doc = JSON.parse(baseText) as Json;
    const whats: string[] = [];
    const targets: Array<[Path, () => unknown]> = [
      [["runs"], () => [null]],
      [["runs", 0, "strategies"], () => undefined],
      [["environment"], () => undefined],
      [["environment", "gpus"], () => "H100"],
      [["runs", 0, "strategies", 0, "rounds"], () => undefined],
      [["runs", 0, "strategies", 0, "series"], () => null],
      [["runs", 0, "strategies", 0, "series", "signals"], () => ({ rssBytes: { max: "x" } })],
      [["runs", 0, "strategies", 0, "shapeStats"], () => ({ lagCalls: 1 })],
      [["runs", 0, "strategies", 0, "primarySignal"], () => "nonexistent"],
      [["runs", 0, "key"], () => "k".repeat(100_000)],
    ];
    for (let i = 0, n = 1 + r.int(3); i < n; i++) whats.push(mutate(r, doc, targets));
    return { text: JSON.stringify(doc, null, r.chance(0.5) ? 1 : undefined), what: whats.join("; ") };
  }
  if (kind < 8) return damageText(r, baseText);
  const garbage: Array<() => { text: string | Buffer; what: string }> = [
    () => ({ text: "", what: "empty" }),
    () => ({ text: "null", what: "null" }),
    () => ({ text: "[]", what: "array" }),
    () => ({ text: '"vramgate.results/1"', what: "string" }),
    () => ({
      text: `{"schema":"vramgate.results/1","runs":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
      what: "deep nesting",
    }),
    () => ({ text: r.bytes(4096), what: "binary" }),
    () => ({
      text: `{"schema":"vramgate.results/1","runs":[],"a":"${"x".repeat(2_000_000)}`,
      what: "unterminated 2 MB string",
    }),
    () => ({ text: '{"schema":"vramgate.results/1","schema":"other/2"}', what: "duplicate key" }),
    () => ({ text: '{"schema":"vramgate.results/1","runs":[1e400]}', what: "1e400" }),
    () => ({ text: '{"__proto__":{"schema":"vramgate.results/1"},"runs":[]}', what: "__proto__" }),
  ];
  return r.pick(garbage)();
}

// ---------------------------------------------------------------------------------------
// CSV traces

function baseCsv(rows = 300): string {
  const lines = ["iteration,time_ms,latency_ms,shape,used_bytes,rss_bytes"];
  for (let i = 0; i < rows; i++)
    lines.push(`${i},${(i * 1.5).toFixed(3)},0.5,input:2x8,${1_000_000 + i * 4096},${5_000_000}`);
  return `${lines.join("\n")}\n`;
}

export function csvCase(r: Rng): { text: string | Buffer; what: string; env?: Record<string, string> } {
  const base = baseCsv();
  const lines = base.split("\n");
  const i = 1 + r.int(lines.length - 2);
  const kinds: Array<() => { text: string | Buffer; what: string; env?: Record<string, string> }> = [
    () => damageText(r, base),
    () => {
      lines[i] = lines[i]!.replace(/,\d+,/, `,${String(badValue(r)).slice(0, 5000)},`);
      return { text: lines.join("\n"), what: `bad cell on line ${i + 1}` };
    },
    () => {
      lines[i] = lines[i]!.split(",").slice(0, 2).join(",");
      return { text: lines.join("\n"), what: `short row ${i + 1}` };
    },
    () => {
      lines[i] = `${lines[i]},extra,cells`;
      return { text: lines.join("\n"), what: `long row ${i + 1}` };
    },
    () => {
      lines[i] = lines[i]!.replace(/^\d+/, "0");
      return { text: lines.join("\n"), what: `iteration going back on line ${i + 1}` };
    },
    () => ({
      text: `${Array.from({ length: 150_000 }, (_, k) => `c${k}`).join(",")}\n1,2\n`,
      what: "150,000-column header",
    }),
    () => ({ text: base.replace("used_bytes", "usedbytes"), what: "no used_bytes column" }),
    () => ({ text: base.replace("iteration", "step"), what: "no iteration column" }),
    () => ({ text: `iteration,used_bytes\n0,${"9".repeat(1_000_000)}\n`, what: "a 10^6-digit number" }),
    () => ({ text: base.replace(/\n/g, "\r\n"), what: "CRLF" }),
    () => ({ text: `${base.split("\n")[0]}\n`, what: "header only" }),
    () => ({ text: r.bytes(8192), what: "binary" }),
    () => ({ text: base, what: "over the line-count limit", env: { VRAMGATE_MAX_TRACE_LINES: "100" } }),
    () => ({ text: base, what: "over the size limit", env: { VRAMGATE_MAX_TRACE_MIB: "0.001" } }),
    () => ({ text: base, what: "a bad limit variable", env: { VRAMGATE_MAX_TRACE_MIB: "lots" } }),
  ];
  return r.pick(kinds)();
}
