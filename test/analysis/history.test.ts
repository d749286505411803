import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildHistory, type HistoryInput } from "../../src/analysis/history.js";
import { mulberry32, normalDeviate } from "../../src/analysis/stats/prng.js";
import { runHistory } from "../../src/cli/history.js";
import { InputError } from "../../src/errors.js";
import { readResultsFile } from "../../src/results/read.js";
import type { ResultsFile } from "../../src/results/types.js";
import { runCli } from "../helpers/cli.js";

const FIXTURE = join(import.meta.dirname, "../fixtures/results/clean-pass.json");
const KEY = "resnet-cpu/cycle/fp32";

/** A fake 40-hex commit for position i. */
const commit = (i: number): string => `c${String(i).padStart(6, "0")}${"0".repeat(33)}`;

/**
 * n results files, one per commit an hour apart: persistent's throughput (ratio and calls/s)
 * gets 1 % noise and, from commit `stepAt` on, a `step` change (−0.05 = 5 % slower).
 */
function synthHistory(seed: number, n: number, stepAt?: number, step = -0.05): HistoryInput[] {
  const base = readResultsFile(FIXTURE);
  const rng = mulberry32(seed);
  const out: HistoryInput[] = [];
  for (let i = 0; i < n; i++) {
    const f = structuredClone(base) as ResultsFile;
    f.runId = `run-${i}`;
    f.createdAt = new Date(Date.UTC(2026, 10, 1) + i * 3_600_000).toISOString();
    f.environment.gitCommit = commit(i);
    const factor = (stepAt !== undefined && i >= stepAt ? 1 + step : 1) * (1 + 0.01 * normalDeviate(rng));
    for (const run of f.runs) {
      const p = run.strategies.find((s) => s.strategy === "persistent")!;
      p.rounds = p.rounds.map((r) => ({ ...r, itemsPerSecond: r.itemsPerSecond * factor }));
      const t = run.throughput!.find((x) => x.strategy === "persistent")!;
      t.ratio *= factor;
    }
    out.push({ file: `synthetic-${i}.json`, results: f });
  }
  return out;
}

describe("history: series across commits with change points", () => {
  it("a known 5 % throughput step is found at the commit that made it", () => {
    const h = buildHistory(synthHistory(1, 30, 18), { keys: [`${KEY}:persistent`] });
    for (const metric of ["throughput-ratio", "calls-per-second"] as const) {
      const s = h.series.find((x) => x.metric === metric)!;
      expect(s.points).toHaveLength(30);
      expect(s.changes.map((c) => c.at)).toEqual([18]);
      const c = s.changes[0]!;
      expect(c.gitCommit).toBe(commit(18));
      expect(c.change!).toBeGreaterThan(-0.065);
      expect(c.change!).toBeLessThan(-0.035);
      expect(c.pValue).toBeLessThanOrEqual(0.05);
    }
    // Peak memory did not move: no change point there.
    expect(h.series.find((x) => x.metric === "peak-bytes")!.changes).toEqual([]);
  });

  it("the step is found whatever the file order, and results out of time order are sorted by createdAt", () => {
    const inputs = synthHistory(2, 24, 10).reverse();
    const h = buildHistory(inputs, { keys: [`${KEY}:persistent`] });
    expect(h.files.map((f) => f.runId)).toEqual(Array.from({ length: 24 }, (_, i) => `run-${i}`));
    expect(h.series.find((x) => x.metric === "throughput-ratio")!.changes.map((c) => c.at)).toEqual([10]);
  });

  it("pure noise: false change points over 200 seeds stay near the 5 % level", () => {
    let withChange = 0;
    const trials = 200;
    for (let seed = 1; seed <= trials; seed++) {
      const h = buildHistory(synthHistory(5000 + seed, 20), {
        keys: [`${KEY}:persistent`],
        permutations: 99,
        seed,
      });
      if (h.series.find((x) => x.metric === "throughput-ratio")!.changes.length) withChange++;
    }
    const rate = withChange / trials;
    // Binomial(200, 0.05) exceeds 20 (10 %) with probability < 0.2 %; deterministic given the seeds.
    expect(
      rate,
      `false change-point rate ${(rate * 100).toFixed(1)} % over ${trials} noise series`,
    ).toBeLessThanOrEqual(0.1);
  });

  it("--since drops older results; too short series are listed as untested", () => {
    const inputs = synthHistory(3, 30, 18);
    const h = buildHistory(inputs, { since: new Date(inputs[25]!.results.createdAt), keys: [KEY] });
    expect(h.files).toHaveLength(5);
    expect(h.series.every((s) => !s.tested && s.changes.length === 0)).toBe(true);
    expect(() => buildHistory(inputs, { since: new Date("2030-01-01") })).toThrow(/--since/);
  });

  it("an unknown --key is bad input naming the keys found", () => {
    expect(() => buildHistory(synthHistory(4, 6), { keys: ["nope/x/fp32"] })).toThrow(InputError);
    expect(() => buildHistory(synthHistory(4, 6), { keys: ["nope/x/fp32"] })).toThrow(/resnet-cpu\/cycle\/fp32/);
  });
});

describe("vramgate history (command)", () => {
  function writeDir(inputs: HistoryInput[]): string {
    const dir = mkdtempSync(join(tmpdir(), "vramgate-history-"));
    // Every third file gzip-compressed (as committed evidence is): found and read all the same.
    for (const [i, x] of inputs.entries()) {
      const text = JSON.stringify(x.results);
      if (i % 3 === 0) writeFileSync(join(dir, `r${i}.json.gz`), gzipSync(text));
      else writeFileSync(join(dir, `r${i}.json`), text);
    }
    writeFileSync(join(dir, "other.json"), JSON.stringify({ not: "results" }));
    writeFileSync(join(dir, "other.json.gz"), gzipSync(JSON.stringify({ not: "results" })));
    return dir;
  }

  it("table, --json and --svg from a folder of results", () => {
    const dir = writeDir(synthHistory(1, 30, 18));
    const svg = join(dir, "charts");
    const text = runHistory({ paths: [dir], json: false, svg, key: [KEY] }).output;
    expect(text).toContain("30 results files");
    expect(text).toMatch(/at #18 c000018: .*\(−[45]\.\d %\)/);
    const charts = readdirSync(svg);
    expect(charts).toContain("resnet-cpu_cycle_fp32-throughput-ratio.svg");
    const chart = readFileSync(join(svg, "resnet-cpu_cycle_fp32-throughput-ratio.svg"), "utf8");
    expect(chart).toContain("<svg");
    expect(chart).toContain("stroke-dasharray");
    expect(chart).toContain("c000018");
    const json = JSON.parse(runHistory({ paths: [dir], json: true, key: [`${KEY}:persistent`] }).output);
    expect(json.schema).toBe("vramgate.history/1");
    const s = json.series.find((x: { metric: string }) => x.metric === "throughput-ratio");
    expect(s.changes[0].at).toBe(18);
    expect(s.changes[0].gitCommit).toBe(commit(18));
  });

  it("bad input exits 2 with one clear line: missing path, empty folder, bad --since, unknown --key", async () => {
    const dir = writeDir(synthHistory(1, 6));
    const empty = mkdtempSync(join(tmpdir(), "vramgate-history-empty-"));
    const cases: [string[], RegExp][] = [
      [["history", join(dir, "missing.json")], /no such file/],
      [["history", empty], /no results file in it/],
      [["history", dir, "--since", "yesterday-ish"], /--since: expected a date/],
      [["history", dir, "--key", "nope"], /--key: "nope" is in none/],
      [["history", dir, "--min-size", "1"], /--min-size/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(existsSync(dir)).toBe(true);
  });
});
