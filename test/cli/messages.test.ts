/**
 * The smaller messages of issue #12, each asserted as the user sees it: a bare model name,
 * one shape where a list of shapes belongs, a flag that is not a number, a tab-separated
 * trace, and analyze's exit code on a leak with and without --fail-on-leak.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { runAnalyze } from "../../src/cli/analyze.js";
import { numberFlag } from "../../src/cli/flags.js";
import { loadScenario } from "../../src/scenarios/parse.js";
import { runCli, scenarioDir } from "../helpers/cli.js";

const SCENARIO = (model: string, sequence: string) => `name: msg
model: ${model}
engine: onnxruntime
precision: fp32
profile:
  inputs:
    input: { min: [1, 3, 64, 64], opt: [2, 3, 64, 64], max: [4, 3, 64, 64] }
  sequence: ${sequence}
strategies: [persistent, scoped]
`;

async function messageOf(file: string): Promise<string> {
  try {
    await loadScenario(file);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error(`${file} loaded without an error`);
}

describe("scenario messages", () => {
  it("a bare generated-model name gets the generate: form", async () => {
    const dir = scenarioDir({ "s.yaml": SCENARIO("resnet18", "random") });
    const file = join(dir, "s.yaml");
    expect(await messageOf(file)).toBe(
      `${file}:2:8: model: expected an existing model file (looked for ${join(dir, "resnet18")}), found "resnet18". To generate a resnet18 instead of reading a file, write \`model: { generate: resnet18 }\`.`,
    );
  });

  it("a missing .onnx path keeps the relative-path hint", async () => {
    const dir = scenarioDir({ "s.yaml": SCENARIO("resnet18.onnx", "random") });
    expect(await messageOf(join(dir, "s.yaml"))).toContain(
      `found "resnet18.onnx". Paths are relative to the scenario file's folder.`,
    );
  });

  it.each(["fixed", "cycle"])("one shape written as %s shapes: says to wrap it in a mapping", async (kind) => {
    const dir = scenarioDir({
      "s.yaml": SCENARIO("{ generate: resnet18 }", `{ kind: ${kind}, shapes: [2, 3, 64, 64] }`),
    });
    const file = join(dir, "s.yaml");
    const msg = await messageOf(file);
    expect(msg).toBe(
      `${file}:8:36: profile.sequence.shapes: expected a list of shapes, one mapping from input name to dims per item, found one shape [2, 3, 64, 64]. Write shapes: [{ input: [2, 3, 64, 64] }].`,
    );
  });
});

describe("numeric flags name what was typed", () => {
  it("numberFlag: the user's text, not null or NaN", () => {
    const msg = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    expect(msg(() => numberFlag("iterations", "abc", { integer: true, min: 1 }))).toBe(
      '--iterations: expected an integer ≥ 1, found "abc".',
    );
    expect(msg(() => numberFlag("iterations", 2.5, { integer: true, min: 1 }))).toBe(
      "--iterations: expected an integer ≥ 1, found 2.5.",
    );
    expect(msg(() => numberFlag("warmup", -1, { integer: true, min: 0 }))).toBe(
      "--warmup: expected an integer ≥ 0, found -1.",
    );
    expect(msg(() => numberFlag("max-regression", "1.5", { min: 0, below: 1 }))).toBe(
      '--max-regression: expected a number in [0, 1), found "1.5".',
    );
    expect(numberFlag("rounds", 4, { integer: true, min: 1 })).toBe(4);
    expect(numberFlag("rounds", "4", { integer: true, min: 1 })).toBe(4);
    expect(numberFlag("rounds", undefined)).toBeUndefined();
  });

  it('through the CLI: bench, compare and analyze say found "abc", exit 2, no stack trace', async () => {
    const bench = await runCli(["bench", "scenarios/resnet.yaml", "--iterations", "abc"]);
    expect(bench.code).toBe(2);
    expect(bench.stderr).toBe('vramgate: --iterations: expected an integer ≥ 1, found "abc".\n');
    const gate = await runCli(["bench", "scenarios/resnet.yaml", "--max-slowdown", "lots"]);
    expect(gate.stderr).toBe('vramgate: --max-slowdown: expected a number ≥ 0, found "lots".\n');
    const cmp = await runCli(["compare", "a.json", "b.json", "--max-regression", "abc"]);
    expect(cmp.code).toBe(2);
    expect(cmp.stderr).toBe(
      'vramgate: --max-regression: expected a fraction in [0, 1) such as 0.05 for 5 %, found "abc".\n',
    );
    const an = await runCli(["analyze", "x.csv", "--warmup", "abc"]);
    expect(an.code).toBe(2);
    expect(an.stderr).toBe('vramgate: --warmup: expected a non-negative number, found "abc".\n');
  }, 60_000);
});

describe("analyze", () => {
  const rows = (sep: string) =>
    ["iteration", "used_bytes"].join(sep) +
    "\n" +
    Array.from({ length: 200 }, (_, i) => `${i}${sep}${1e8 + i * 1048576}`).join("\n") +
    "\n";

  it("a tab-separated trace gets told to use commas", async () => {
    const dir = scenarioDir({});
    const file = join(dir, "trace.tsv");
    writeFileSync(file, rows("\t"));
    await expect(runAnalyze({ file, json: false, failOnLeak: false }, () => {})).rejects.toThrow(
      `The header is tab-separated; vramgate reads comma-separated traces. Convert it, e.g. \`tr '\\t' ',' < ${file} > trace.csv\`.`,
    );
    const semi = join(dir, "trace.txt");
    writeFileSync(semi, rows(";"));
    await expect(runAnalyze({ file: semi, json: false, failOnLeak: false }, () => {})).rejects.toThrow(
      "The header is semicolon-separated",
    );
  });

  it("a leak exits 0 unless --fail-on-leak (then 1), as the README's commands table says", async () => {
    const dir = scenarioDir({});
    const file = join(dir, "leak.csv");
    writeFileSync(file, rows(","));
    const out: string[] = [];
    expect(await runAnalyze({ file, json: false, failOnLeak: false }, (s) => out.push(s))).toBe(0);
    expect(out.join("\n")).toContain("LEAK");
    expect(await runAnalyze({ file, json: false, failOnLeak: true }, () => {})).toBe(1);
  });
});
