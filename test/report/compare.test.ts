import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yargs from "yargs";
import { afterEach, describe, expect, it } from "vitest";
import {
  bootstrapRatioOfMedians,
  compareEnvironments,
  compareResults,
  regressions,
  type StrategyComparison,
} from "../../src/analysis/compare.js";
import { command, runCompare } from "../../src/cli/compare.js";
import { InputError } from "../../src/errors.js";
import type { ResultsFile } from "../../src/results/types.js";
import { fixturePath, loadFixture } from "./helpers.js";

const find = (list: StrategyComparison[], run: string, strategy: string): StrategyComparison =>
  list.find((s) => s.run === run && s.strategy === strategy)!;

function scaleAll(f: ResultsFile, factor: number): ResultsFile {
  for (const r of f.runs)
    for (const s of r.strategies) s.rounds = s.rounds.map((x) => ({ ...x, itemsPerSecond: x.itemsPerSecond * factor }));
  return f;
}

describe("compareResults", () => {
  it("claims a regression when the whole interval is below the tolerated drop", () => {
    const c = compareResults(loadFixture("clean-pass"), loadFixture("clean-regressed"));
    const p = find(c.strategies, "resnet-cpu/cycle/fp32", "persistent");
    expect(p.throughput.claim).toBe("regression");
    expect(p.throughput.ratioCi![1]).toBeLessThan(0.95);
    expect(p.throughput.ratio!).toBeGreaterThanOrEqual(p.throughput.ratioCi![0]);
    expect(p.throughput.ratio!).toBeLessThanOrEqual(p.throughput.ratioCi![1]);
    const s = find(c.strategies, "resnet-cpu/cycle/fp32", "scoped");
    expect(s.peakMemory.claim).toBe("increase");
    expect(s.peakMemory.signal).toBe("rssBytes");
    expect(
      regressions(c)
        .map((x) => `${x.run} ${x.strategy}`)
        .sort(),
    ).toEqual([
      "resnet-cpu/cycle/fp32 persistent",
      "resnet-cpu/cycle/fp32 scoped",
      "resnet-cpu/fixed/fp32 persistent",
      "resnet-cpu/fixed/fp32 scoped",
    ]);
  });

  it("claims an improvement the other way round", () => {
    const c = compareResults(loadFixture("clean-regressed"), loadFixture("clean-pass"));
    const p = find(c.strategies, "resnet-cpu/fixed/fp32", "persistent");
    expect(p.throughput.claim).toBe("improvement");
    expect(p.throughput.ratioCi![0]).toBeGreaterThan(1.05);
    expect(find(c.strategies, "resnet-cpu/fixed/fp32", "scoped").peakMemory.claim).toBe("decrease");
    expect(regressions(c)).toHaveLength(0);
  });

  it("calls identical and slightly shifted runs within noise", () => {
    const same = compareResults(loadFixture("clean-pass"), loadFixture("clean-pass"));
    expect(same.strategies).toHaveLength(6);
    for (const s of same.strategies) {
      expect(s.throughput.ratio).toBe(1);
      expect(s.throughput.claim).toBe("within-noise");
      expect(s.peakMemory.claim).toBe("within-noise");
    }
    const shifted = compareResults(loadFixture("clean-pass"), scaleAll(loadFixture("clean-pass"), 0.98));
    expect(shifted.strategies.every((s) => s.throughput.claim === "within-noise")).toBe(true);
  });

  it("makes no claim from a single round", () => {
    const head = loadFixture("clean-pass");
    head.runs[0]!.strategies[0]!.rounds = head.runs[0]!.strategies[0]!.rounds.slice(0, 1);
    const c = compareResults(loadFixture("clean-pass"), head);
    expect(find(c.strategies, "resnet-cpu/cycle/fp32", "persistent").throughput.claim).toBe("no-data");
  });

  it("refuses different GPU, driver and engine versions, naming each difference", () => {
    const base = loadFixture("leak-persistent");
    const head = loadFixture("leak-persistent");
    head.environment.gpus[0]!.name = "NVIDIA H200";
    head.environment.driverVersion = "575.51.03";
    head.environment.engines["onnxruntime"] = "1.31.0";
    let err: unknown;
    try {
      compareResults(base, head, { baseName: "main.json", headName: "pr.json" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as Error).message;
    expect(msg).toContain("cannot compare main.json with pr.json");
    expect(msg).toContain("GPU: NVIDIA H100 80GB HBM3 vs NVIDIA H200");
    expect(msg).toContain("driver: 570.124.06 vs 575.51.03");
    expect(msg).toContain("onnxruntime: 1.30.0 vs 1.31.0");
    expect(msg).toContain("--force");
  });

  it("checks two environments alone (before a run), limited to the engines named", () => {
    const a = loadFixture("faulted").environment;
    const b = structuredClone(a);
    b.engines["tensorrt"] = "10.15.0";
    b.cudaVersion = "13.0";
    expect(compareEnvironments(a, b, ["onnxruntime"])).toEqual(["CUDA: 12.8 vs 13.0"]);
    expect(compareEnvironments(a, b, ["tensorrt"])).toEqual(["CUDA: 12.8 vs 13.0", "tensorrt: 10.14.1 vs 10.15.0"]);
    expect(compareEnvironments(a, b)).toEqual(["CUDA: 12.8 vs 13.0", "tensorrt: 10.14.1 vs 10.15.0"]);
  });

  it("ignores versions of engines the runs did not use", () => {
    const head = loadFixture("clean-pass");
    head.environment.engines["libtorch"] = "2.11.0";
    expect(compareResults(loadFixture("clean-pass"), head).environmentDifferences).toEqual([]);
  });

  it("compares anyway with force and records the differences", () => {
    const head = loadFixture("clean-pass");
    head.environment.cpu = "Intel(R) Xeon(R) Gold 6338";
    const c = compareResults(loadFixture("clean-pass"), head, { force: true });
    expect(c.forced).toBe(true);
    expect(c.environmentDifferences).toEqual(["CPU: AMD EPYC 7763 64-Core Processor vs Intel(R) Xeon(R) Gold 6338"]);
    expect(c.strategies).toHaveLength(6);
  });

  it("lists runs and strategies present in one file only", () => {
    const head = loadFixture("clean-pass");
    head.runs = head.runs.slice(0, 1);
    head.runs[0]!.strategies = head.runs[0]!.strategies.filter((s) => s.strategy !== "teardown");
    const c = compareResults(loadFixture("clean-pass"), head);
    expect(c.onlyInBase).toEqual(["resnet-cpu/cycle/fp32 · teardown", "resnet-cpu/fixed/fp32"]);
    expect(c.onlyInHead).toEqual([]);
  });

  it("bootstraps deterministically for a seed, and the interval brackets the estimate", () => {
    const a = [10, 11, 9.5, 10.2, 10.8, 9.9];
    const b = [12, 12.5, 11.8, 12.2, 12.9, 11.5];
    const ci1 = bootstrapRatioOfMedians(a, b, 42);
    expect(bootstrapRatioOfMedians(a, b, 42)).toEqual(ci1);
    expect(ci1[0]).toBeLessThanOrEqual(12.1 / 10.1);
    expect(ci1[1]).toBeGreaterThanOrEqual(12.1 / 10.1);
    expect(ci1[0]).toBeGreaterThan(1);
  });
});

describe("vramgate compare", () => {
  const dir = mkdtempSync(join(tmpdir(), "vramgate-compare-"));
  afterEach(() => {
    process.exitCode = undefined;
  });

  it("exits 0 comparing a file with itself", () => {
    const r = runCompare({
      base: fixturePath("clean-pass"),
      head: fixturePath("clean-pass"),
      force: false,
      json: false,
    });
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain("No regression past the thresholds.");
    expect(r.output).not.toContain("\u001b[");
  });

  it("exits 1 on a regression and names it", () => {
    const r = runCompare({
      base: fixturePath("clean-pass"),
      head: fixturePath("clean-regressed"),
      force: false,
      json: false,
    });
    expect(r.exitCode).toBe(1);
    expect(r.output).toMatch(/REGRESSION resnet-cpu\/cycle\/fp32 persistent: throughput −2\d\.\d %/);
    expect(r.output).toContain("MEMORY resnet-cpu/cycle/fp32 scoped: peak rssBytes +17.7 %");
  });

  it("honours --max-regression and --max-memory-increase", () => {
    const r = runCompare({
      base: fixturePath("clean-pass"),
      head: fixturePath("clean-regressed"),
      force: false,
      json: false,
      "max-regression": 0.3,
      "max-memory-increase": 0.2,
    });
    expect(r.exitCode).toBe(0);
  });

  it("prints JSON with --json", () => {
    const r = runCompare({
      base: fixturePath("clean-pass"),
      head: fixturePath("clean-regressed"),
      force: false,
      json: true,
    });
    const parsed = JSON.parse(r.output) as {
      exitCode: number;
      strategies: unknown[];
      thresholds: { maxRegression: number };
    };
    expect(parsed.exitCode).toBe(1);
    expect(parsed.strategies).toHaveLength(6);
    expect(parsed.thresholds.maxRegression).toBe(0.05);
  });

  it("rejects bad input with exit-2 errors: missing file, invalid JSON with position, wrong schema, bad flag", () => {
    const bad = join(dir, "bad.json");
    // A trailing comma: V8 reports a position for this one (not for every syntax error).
    writeFileSync(bad, '{\n  "schema": "vramgate.results/1",\n  "runs": [],\n}\n');
    const wrong = join(dir, "wrong.json");
    writeFileSync(wrong, JSON.stringify({ schema: "something/2", runs: [] }));
    const ok = fixturePath("clean-pass");
    const attempt = (base: string, extra: object = {}): string => {
      try {
        runCompare({ base, head: ok, force: false, json: false, ...extra });
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      throw new Error("expected an InputError");
    };
    expect(attempt(join(dir, "missing.json"))).toContain("no such file");
    expect(attempt(bad)).toMatch(/bad\.json:4:1: expected a vramgate results JSON, found invalid JSON/);
    expect(attempt(wrong)).toContain('expected "vramgate.results/1", found "something/2"');
    expect(attempt(ok, { "max-regression": 1.5 })).toContain("--max-regression: expected a fraction in [0, 1)");
  });

  it("runs as a yargs command and sets the exit code", async () => {
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => {
      out.push(s);
      return true;
    }) as typeof process.stdout.write;
    try {
      await yargs(["compare", fixturePath("clean-pass"), fixturePath("clean-regressed")])
        .command(command)
        .strict()
        .parseAsync();
    } finally {
      process.stdout.write = write;
    }
    expect(process.exitCode).toBe(1);
    expect(out.join("")).toContain("4 strategies regressed past the thresholds.");
  });

  // Exit 1 through the real process is left to the in-process yargs test above: each spawn
  // costs seconds (main.ts loads every command).
  it("exits 0 / 2 as a real `vramgate compare` process, with one-line errors and no stack trace", () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "compare", ...args], {
        encoding: "utf8",
        timeout: 60_000,
      });
    const same = cli(fixturePath("clean-pass"), fixturePath("clean-pass"));
    expect(same.status, same.stderr).toBe(0);
    expect(same.stdout).toContain("No regression past the thresholds.");
    const env = cli(fixturePath("clean-pass"), fixturePath("leak-persistent"));
    expect(env.status).toBe(2);
    expect(env.stderr).toContain("vramgate: cannot compare");
    expect(env.stderr).not.toMatch(/\n\s+at /);
  });
});
