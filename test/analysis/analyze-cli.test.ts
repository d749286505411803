import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { runAnalyze } from "../../src/cli/analyze.js";
import { InputError } from "../../src/errors.js";
import { readCsvTrace } from "../../src/analysis/trace-io.js";
import { MiB, synthTrace } from "../../src/analysis/synth.js";
import { RESULTS_SCHEMA } from "../../src/results/types.js";

const dir = mkdtempSync(join(tmpdir(), "vramgate-analyze-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

function leakCsv(name: string, extra = false): string {
  const t = synthTrace({ kind: "leak", iterations: 1500, seed: 4, leakBytesPerIteration: 1 * MiB });
  const lines = [`iteration,used_bytes,time_ms${extra ? ",rss_bytes" : ""}`];
  for (let i = 0; i < t.value.length; i++)
    lines.push(`${i},${t.value[i]},${t.timeMs[i]!.toFixed(2)}${extra ? ",123456789" : ""}`);
  return write(name, `${lines.join("\n")}\n`);
}

async function run(args: Partial<Parameters<typeof runAnalyze>[0]> & { file: string }) {
  const out: string[] = [];
  const code = await runAnalyze({ json: false, failOnLeak: false, ...args }, (s) => out.push(s));
  return { code, text: out.join("\n") };
}

async function problem(args: Partial<Parameters<typeof runAnalyze>[0]> & { file: string }): Promise<string> {
  try {
    await run(args);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error("expected an InputError");
}

describe("readCsvTrace", () => {
  it("streams a CSV into Float64Arrays with times and picks --column", async () => {
    const f = leakCsv("two.csv", true);
    const t = await readCsvTrace(f);
    expect(t.rows).toBe(1500);
    expect(t.value).toBeInstanceOf(Float64Array);
    expect(t.timeMs).toBeInstanceOf(Float64Array);
    expect(t.columns).toEqual(["iteration", "used_bytes", "time_ms", "rss_bytes"]);
    const rss = await readCsvTrace(f, { column: "rss_bytes" });
    expect(rss.value.every((v) => v === 123456789)).toBe(true);
  });

  it("skips blank and # comment lines, accepts CRLF and a BOM", async () => {
    const f = write("crlf.csv", "\uFEFF# recorded by hand\r\niteration,used_bytes\r\n0,10\r\n\r\n1,20\r\n");
    const t = await readCsvTrace(f);
    expect(Array.from(t.value)).toEqual([10, 20]);
    expect(t.timeMs).toBeUndefined();
  });
});

describe("vramgate analyze", () => {
  it("prints a readable leak verdict for a CSV", async () => {
    const { code, text } = await run({ file: leakCsv("leak.csv"), totalBytes: 80 * 1024 * MiB });
    expect(code).toBe(0);
    expect(text).toMatch(
      /LEAK — leaks 1\.00 MiB\/iter \(95 % CI .*\) since iteration \d+; out of memory in ~[\d,]+ iterations/,
    );
  });

  it("prints one JSON object with the verdict and figures; --fail-on-leak exits 1", async () => {
    const { code, text } = await run({ file: leakCsv("leak2.csv"), json: true, failOnLeak: true, warmup: 300 });
    expect(code).toBe(1);
    const obj = JSON.parse(text);
    expect(obj).toMatchObject({ kind: "trace", column: "used_bytes", rows: 1500, verdict: "leak" });
    expect(obj.slopeBytesPerIteration).toBeGreaterThan(0.9 * MiB);
    expect(obj.slopeCi).toHaveLength(2);
    expect(obj.onsetIteration).toBeGreaterThanOrEqual(300);
  });

  it("judges each strategy's primary signal in a results JSON", async () => {
    const t = synthTrace({ kind: "leak", iterations: 400, seed: 2, leakBytesPerIteration: 4 * MiB, noiseBytes: 0 });
    const strategy = (name: string, leak: boolean) => ({
      strategy: name,
      state: "completed",
      primarySignal: "gpuProcessBytes",
      series: {
        blockSize: 1,
        firstIteration: Array.from(t.iteration),
        lastIteration: Array.from(t.iteration),
        timeMs: Array.from(t.timeMs),
        latencyMeanMs: [],
        signals: {
          gpuProcessBytes: { min: [], mean: [], max: leak ? Array.from(t.value) : Array.from(t.value, () => 5e8) },
        },
      },
    });
    const results = {
      schema: RESULTS_SCHEMA,
      environment: { totalMemoryBytes: 1e11, gpus: [{ index: 0, name: "g", totalBytes: 8e10 }] },
      runs: [{ key: "r/fixed/fp32", strategies: [strategy("persistent", true), strategy("scoped", false)] }],
    };
    const f = write("results.json", JSON.stringify(results));
    const { text } = await run({ file: f, json: true });
    const obj = JSON.parse(text);
    expect(obj.kind).toBe("results");
    const [p, s] = obj.runs[0].strategies;
    expect(p).toMatchObject({ strategy: "persistent", signal: "gpuProcessBytes", analysis: { verdict: "leak" } });
    expect(p.analysis.projection.iterationsToOom).toBeGreaterThan(0);
    expect(s.analysis.verdict).toBe("flat");
    const plain = await run({ file: f });
    expect(plain.text).toContain("r/fixed/fp32");
    expect(plain.text).toMatch(/persistent\s+gpuProcessBytes\s+LEAK/);
    expect(await problem({ file: f, column: "gpuProcesBytes" })).toMatch(/Did you mean "gpuProcessBytes"\?/);
  });

  it("locates bad CSV input by file:line:col", async () => {
    expect(await problem({ file: write("cell.csv", "iteration,used_bytes\n0,1\n1,12x\n") })).toMatch(
      /cell\.csv:3:3: used_bytes: expected a finite number, found "12x"/,
    );
    expect(await problem({ file: write("empty.csv", "") })).toMatch(
      /empty\.csv: expected a CSV header .* found an empty file/,
    );
    expect(await problem({ file: write("head.csv", "iteration,used_bytes\n") })).toMatch(
      /head\.csv:2:1: expected at least one data row/,
    );
    expect(await problem({ file: write("noiter.csv", "step,used_bytes\n0,1\n") })).toMatch(
      /noiter\.csv:1:1: expected a CSV header with an `iteration` column/,
    );
    expect(await problem({ file: write("short.csv", "iteration,used_bytes\n0\n") })).toMatch(
      /short\.csv:2:2: expected 2 columns/,
    );
    expect(await problem({ file: write("order.csv", "iteration,used_bytes\n5,1\n3,1\n") })).toMatch(
      /order\.csv:3:1: iteration: expected iterations in non-decreasing order/,
    );
    expect(await problem({ file: leakCsv("col.csv"), column: "usedbytes" })).toMatch(
      /expected a column named "usedbytes" \(available: used_bytes\).*Did you mean "used_bytes"\?/,
    );
    expect(await problem({ file: join(dir, "missing.csv") })).toMatch(
      /missing\.csv: expected a readable CSV trace, found no such file/,
    );
    expect(await problem({ file: leakCsv("neg.csv"), warmup: -3 })).toMatch(/--warmup/);
  });

  it("locates invalid JSON and rejects a wrong schema", async () => {
    expect(
      await problem({ file: write("bad.json", '{\n  "schema": "vramgate.results/1",\n  "runs": [,]\n}') }),
    ).toMatch(/bad\.json:3:\d+: expected a vramgate results JSON, found invalid JSON/);
    expect(await problem({ file: write("other.json", '{"schema": "other/2", "runs": []}') })).toMatch(
      /other\.json: schema: expected "vramgate\.results\/1", found "other\/2"/,
    );
  });

  it("runs as a real command: exit 2 and one line on stderr for bad input", async () => {
    const f = write("cli-bad.csv", "iteration,used_bytes\n0,oops\n");
    const exec = promisify(execFile);
    const err = await exec(process.execPath, ["--import", "tsx", "src/cli/main.ts", "analyze", f], {
      cwd: join(__dirname, "../.."),
    }).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(
      /^vramgate: .*cli-bad\.csv:2:3: used_bytes: expected a finite number, found "oops"\.\n$/,
    );
    const ok = await exec(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "analyze", leakCsv("cli-ok.csv"), "--json"],
      { cwd: join(__dirname, "../..") },
    );
    expect(JSON.parse(ok.stdout).verdict).toBe("leak");
  });
});
