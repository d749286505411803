/**
 * `merge` at the results layer (src/results/merge.ts): every run once with its origin,
 * trace paths rebased, environments joined; overlapping runs, shards of other plans, a
 * shard twice or missing, and another results schema refused with the files named. The
 * report of a merge over two GPU types has one section per type.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareEnvironments } from "../../src/analysis/compare.js";
import { evaluateGates } from "../../src/analysis/gates.js";
import { InputError } from "../../src/errors.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { type MergeInput, mergeResults, readMergeInputs } from "../../src/results/merge.js";
import { readResultsFile } from "../../src/results/read.js";
import type { ResultsFile, ShardRecord } from "../../src/results/types.js";

const CPU = "test/fixtures/results/clean-pass.json";
const H100 = "test/fixtures/results/h100-torch-leak.json";

function shard(index: number, count = 2, plan = "p1"): ShardRecord {
  return { index, count, source: `--shard ${index}/${count}`, plan, plannedRuns: 3 };
}

/** The CPU fixture's two runs split in two files, as shards 1 and 2 of one plan. */
function cpuShards(): MergeInput[] {
  const all = readResultsFile(CPU);
  const a: ResultsFile = { ...all, runId: "a", runs: [all.runs[0]!], shard: shard(1) };
  const b: ResultsFile = {
    ...all,
    runId: "b",
    environment: { ...all.environment, hostname: "ci-runner-8" },
    runs: [all.runs[1]!],
    shard: shard(2),
  };
  return [
    { file: "/w/s1/a.json", results: a },
    { file: "/w/s2/b.json", results: b },
  ];
}

const opts = { outDir: "/w/merged", argv: ["merge"], runId: "m" };

describe("mergeResults", () => {
  it("keeps every run once, in file order, with the run id, host and shard it came from", () => {
    const m = mergeResults(cpuShards(), opts);
    expect(m.runs.map((r) => r.key)).toEqual(["resnet-cpu/cycle/fp32", "resnet-cpu/fixed/fp32"]);
    expect(m.runs.map((r) => r.origin)).toEqual([
      { runId: "a", hostname: "ci-runner-7", gpus: [], shard: { index: 1, count: 2 } },
      { runId: "b", hostname: "ci-runner-8", gpus: [], shard: { index: 2, count: 2 } },
    ]);
    expect(m.shard).toBeUndefined();
    expect(m.mergedFrom?.map((f) => [f.file, f.runs])).toEqual([
      ["/w/s1/a.json", ["resnet-cpu/cycle/fp32"]],
      ["/w/s2/b.json", ["resnet-cpu/fixed/fp32"]],
    ]);
    expect(m.environment.hostname).toBe("ci-runner-7, ci-runner-8");
    expect(m.runId).toBe("m");
    // The whole is gated: the same outcomes as the unsplit file's.
    const whole = readResultsFile(CPU);
    const key = (o: { gate: string; run?: string; strategy?: string; status: string }) =>
      `${o.gate} ${o.run} ${o.strategy} ${o.status}`;
    expect(evaluateGates(m).map(key)).toEqual(evaluateGates(whole).map(key));
  });

  it("rebases trace paths onto the merged file's folder", () => {
    const [a, b] = cpuShards();
    const run = a!.results.runs[0]!;
    a!.results.runs = [{ ...run, strategies: run.strategies.map((s) => ({ ...s, traceFile: "a-traces/x.csv" })) }];
    const m = mergeResults([a!, b!], opts);
    expect(m.runs[0]!.strategies[0]!.traceFile).toBe("../s1/a-traces/x.csv");
  });

  it("refuses a run in two files, naming both", () => {
    const [a] = cpuShards();
    const again = { file: "/w/again.json", results: { ...a!.results, shard: undefined } as ResultsFile };
    expect(() => mergeResults([a!, again], opts)).toThrow(InputError);
    expect(() => mergeResults([a!, again], opts)).toThrow(
      "resnet-cpu/cycle/fp32: in /w/s1/a.json and in /w/again.json",
    );
  });

  it("refuses shards of different plans, a shard twice and a missing shard (unless allowed)", () => {
    const [a, b] = cpuShards();
    b!.results.shard = shard(2, 2, "p2");
    expect(() => mergeResults([a!, b!], opts)).toThrow(/cut from different runs/);
    b!.results.shard = shard(2, 3);
    expect(() => mergeResults([a!, b!], opts)).toThrow(/cut from different runs/);
    b!.results.shard = shard(1);
    expect(() => mergeResults([a!, b!], opts)).toThrow("shard 1/2 is given twice: /w/s1/a.json and /w/s2/b.json");
    expect(() => mergeResults([a!], opts)).toThrow(/shard 2 of 2 missing \(3 runs planned\)/);
    expect(mergeResults([a!], { ...opts, allowMissing: true }).runs).toHaveLength(1);
  });

  it("lists one GPU per type in the environment: merges over 1 or 3 machines of one GPU compare alike", () => {
    const gpu = readResultsFile(H100);
    const run = gpu.runs[0]!;
    const onHost = (host: string, uuid: string, key: string): MergeInput => ({
      file: `/w/${host}.json`,
      results: {
        ...gpu,
        runId: host,
        runs: [{ ...run, key }],
        environment: {
          ...gpu.environment,
          hostname: host,
          gpus: [{ ...gpu.environment.gpus[0]!, uuid }],
        },
      },
    });
    const three = mergeResults(
      [onHost("a", "GPU-a", "x/1"), onHost("b", "GPU-b", "x/2"), onHost("c", "GPU-c", "x/3")],
      opts,
    );
    expect(three.environment.gpus).toHaveLength(1);
    expect(three.runs.map((r) => r.origin?.gpus[0]?.uuid)).toEqual(["GPU-a", "GPU-b", "GPU-c"]);
    const one = mergeResults([onHost("a", "GPU-a", "x/1")], opts);
    expect(compareEnvironments(one.environment, three.environment)).toEqual([]);
    expect(compareEnvironments(gpu.environment, three.environment)).toEqual([]);
  });

  it("keeps each run's own GPU (bench --gpus): its origin names that GPU, not the machine's list", () => {
    const gpu = readResultsFile(H100);
    const run = gpu.runs[0]!;
    const g = gpu.environment.gpus[0]!;
    const machine = [0, 1, 2, 3].map((index) => ({ ...g, index, uuid: `GPU-${index}` }));
    const runGpu = (index: number) => ({
      ...g,
      index,
      uuid: `GPU-${index}`,
      clocks: { smMHz: 1980, smMaxMHz: 1980 },
      recordedAt: "2026-12-01T20:00:00.000Z",
    });
    const file: ResultsFile = {
      ...gpu,
      environment: { ...gpu.environment, gpus: machine },
      runs: [
        { ...run, key: "x/1", gpu: runGpu(2) },
        { ...run, key: "x/2", gpu: runGpu(3) },
        { ...run, key: "x/3" },
      ],
    };
    const m = mergeResults([{ file: "/w/a.json", results: file }], opts);
    expect(m.runs.map((r) => r.origin?.gpus.map((x) => x.uuid))).toEqual([
      ["GPU-2"],
      ["GPU-3"],
      ["GPU-0", "GPU-1", "GPU-2", "GPU-3"],
    ]);
    expect(m.runs.map((r) => r.gpu?.clocks.smMaxMHz)).toEqual([1980, 1980, undefined]);
  });

  it("reports one section per GPU type when runs came from different GPUs", () => {
    const cpu = readResultsFile(CPU);
    const gpu = readResultsFile(H100);
    const m = mergeResults(
      [
        { file: CPU, results: cpu },
        { file: H100, results: gpu },
      ],
      opts,
    );
    expect(m.environment.gpus.map((g) => g.uuid)).toEqual([gpu.environment.gpus[0]!.uuid]);
    const md = renderMarkdown(m, evaluateGates(m), { chartDir: "c" }).markdown;
    expect(md).toContain("## Merged from 2 files");
    expect(md).toContain("| `clean-pass.json` | ci-runner-7 | — | `resnet-cpu/cycle/fp32`, `resnet-cpu/fixed/fp32` |");
    expect(md).toContain("## Runs on no GPU");
    expect(md).toContain("## Runs on NVIDIA H100 80GB HBM3");
    expect(md).toContain(`| \`resnet50-torch-leak/fixed/fp16\` | ${gpu.environment.hostname} | 0 (GPU-b385f077`);
    // A shard of many runs is counted, not listed, in the table of files.
    m.mergedFrom![0]!.runs = Array.from({ length: 9 }, (_, i) => `zoo/s${i}/fp16`);
    expect(renderMarkdown(m, [], { chartDir: "c" }).markdown).toContain(
      "| `clean-pass.json` | ci-runner-7 | — | 9 runs |",
    );
    // One GPU type: no per-type sections.
    expect(renderMarkdown(mergeResults(cpuShards(), opts), [], { chartDir: "c" }).markdown).not.toContain("## Runs on");
  });
});

describe("readMergeInputs", () => {
  it("names a file of another results schema version, with every unreadable file at once", () => {
    const dir = mkdtempSync(join(tmpdir(), "vramgate-merge-"));
    const v2 = join(dir, "v2.json");
    writeFileSync(v2, JSON.stringify({ ...readResultsFile(CPU), schema: "vramgate.results/2" }));
    const missing = join(dir, "missing.json");
    expect(() => readMergeInputs([CPU, v2, missing])).toThrow(InputError);
    let message = "";
    try {
      readMergeInputs([CPU, v2, missing]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`${v2}: results schema "vramgate.results/2", but this vramgate reads and writes`);
    expect(message).toContain(missing);
    expect(readMergeInputs([CPU]).map((i) => i.results.runs.length)).toEqual([2]);
  });
});
