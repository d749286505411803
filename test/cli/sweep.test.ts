/**
 * A sweep through the real CLI on CPU (ONNX Runtime, the tiny model): intraOpThreads ×
 * the CPU arena on/off, two strategies each. The results file holds one run per combination
 * with the combination applied to its engine section, the sweep's Pareto analysis and a
 * recommendation that obeys its own rule; the report has the table and the scatter.
 * `--only` re-runs one combination; a key that names none is bad input (exit 2).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyScenarioYaml } from "../../src/models/tiny.js";
import type { OnnxRuntimeOptions } from "../../src/scenarios/types.js";
import { resultsIn, runCli, scenarioDir } from "../helpers/cli.js";

const SWEEP = `sweep:
  onnxruntime.intraOpThreads: [1, 2]
  onnxruntime.enableCpuMemArena: [true, false]
`;

function sweepScenario(): string {
  return tinyScenarioYaml({
    name: "ort-sweep",
    run: "{ warmup: 2, iterations: 24, rounds: 3 }",
    strategies: ["persistent", "scoped"],
    extra: SWEEP,
  }).replace("sequence: random", "sequence: fixed");
}

const COMBOS = [
  "intraOpThreads=1,enableCpuMemArena=true",
  "intraOpThreads=1,enableCpuMemArena=false",
  "intraOpThreads=2,enableCpuMemArena=true",
  "intraOpThreads=2,enableCpuMemArena=false",
];

describe("bench: an ONNX Runtime sweep on CPU", () => {
  it("runs every combination, analyses the sweep and recommends under its rule", async () => {
    const dir = scenarioDir({ "sweep.yaml": sweepScenario() });
    const out = join(dir, "out");
    const r = await runCli(["bench", join(dir, "sweep.yaml"), "--out", out]);
    expect(r.stderr).toContain(
      "vramgate: sweep ort-sweep: 4 combinations → 5 runs, the reference repeated last to measure drift, (10 strategy processes), about",
    );
    expect([0, 1]).toContain(r.code);
    expect(r.stdout).toMatch(
      /^Sweep ort-sweep · fixed: (Recommended: fp32 · intraOpThreads=|No configuration qualifies)/m,
    );
    const [results] = resultsIn(out);
    // Every combination, then the reference again (the drift between runs).
    expect(results!.runs.map((run) => run.key)).toEqual([
      ...COMBOS.map((c) => `ort-sweep/fixed/fp32/${c}`),
      `ort-sweep/fixed/fp32/${COMBOS[0]}#repeat`,
    ]);
    expect((results!.runs[4]!.config as { sweepPoint: { repeat?: boolean } }).sweepPoint.repeat).toBe(true);
    for (const run of results!.runs) {
      const ort = (run.config as { onnxruntime: OnnxRuntimeOptions }).onnxruntime;
      expect(run.key).toContain(`intraOpThreads=${ort.intraOpThreads},enableCpuMemArena=${ort.enableCpuMemArena}`);
      expect(run.strategies.map((s) => s.state)).toEqual(["completed", "completed"]);
    }
    const [sweep] = results!.sweeps!;
    expect(sweep!.axes).toEqual(["onnxruntime.intraOpThreads", "onnxruntime.enableCpuMemArena"]);
    expect(sweep!.reference).toEqual({ run: `ort-sweep/fixed/fp32/${COMBOS[0]}`, strategy: "scoped" });
    expect(sweep!.points).toHaveLength(8); // the repeat is not a point
    expect(sweep!.points.some((p) => p.run.endsWith("#repeat"))).toBe(false);
    expect(sweep!.drift).toMatchObject({
      run: `ort-sweep/fixed/fp32/${COMBOS[0]}`,
      repeat: `ort-sweep/fixed/fp32/${COMBOS[0]}#repeat`,
      strategy: "scoped",
    });
    expect(sweep!.drift!.ci[0]).toBeLessThanOrEqual(sweep!.drift!.ratio);
    expect(sweep!.drift!.ci[1]).toBeGreaterThanOrEqual(sweep!.drift!.ratio);
    // Points of the other runs carry the widened interval, which contains the rounds' one.
    for (const p of sweep!.points.filter((x) => x.run !== sweep!.reference.run)) {
      expect(p.ratioCi![0]).toBeLessThanOrEqual(p.ratioCiRounds![0]);
      expect(p.ratioCi![1]).toBeGreaterThanOrEqual(p.ratioCiRounds![1]);
    }
    expect(r.stdout).toMatch(/^ {2}Drift: the reference re-run last measured \d+\.\d\d× \[/m);
    expect(sweep!.points.some((p) => p.front)).toBe(true);
    const eligible = sweep!.points.filter((p) => p.excluded.length === 0);
    if (sweep!.recommended === undefined) expect(eligible).toEqual([]);
    else {
      const rec = sweep!.points[sweep!.recommended]!;
      expect(rec.excluded).toEqual([]);
      // Fastest eligible, or (least-memory) one whose interval reaches the fastest's lower bound.
      const best = Math.max(...eligible.map((p) => p.ratio!));
      if (sweep!.rankedBy === "least-memory") {
        const fastest = sweep!.points[sweep!.fastest!]!;
        expect(fastest.ratio).toBe(best);
        expect(rec.ratioCi![1]).toBeGreaterThanOrEqual(fastest.ratioCi![0]);
        expect(rec.peakBytes!).toBeLessThan(fastest.peakBytes!);
      } else expect(rec.ratio).toBe(best);
    }
    const md = readFileSync(join(out, `${results!.runId}.md`), "utf8");
    expect(md).toContain("## Sweep: ort-sweep");
    expect(md).toMatch(/^Drift: the reference re-run at the end measured .* from run order \(widened below\)/m);
    expect(md).toMatch(/\*\*(Recommended|No configuration qualifies)/);
    const charts = readdirSync(join(out, `${results!.runId}-charts`));
    expect(charts).toContain("sweep-ort-sweep-fixed-pareto.svg");
    // One per run, the repeat of the reference included.
    expect(charts.filter((f) => f.endsWith("-throughput.svg"))).toHaveLength(5);
  }, 240_000);

  it("--only re-runs one combination, under its own key", async () => {
    const dir = scenarioDir({ "sweep.yaml": sweepScenario() });
    const out = join(dir, "out");
    const r = await runCli(["bench", join(dir, "sweep.yaml"), "--out", out, "--only", COMBOS[3]!, "--iterations", "6"]);
    expect([0, 1]).toContain(r.code);
    const [results] = resultsIn(out);
    expect(results!.runs.map((run) => run.key)).toEqual([`ort-sweep/fixed/fp32/${COMBOS[3]}`]);
    expect((results!.runs[0]!.config as { onnxruntime: OnnxRuntimeOptions }).onnxruntime).toMatchObject({
      intraOpThreads: 2,
      enableCpuMemArena: false,
    });
  }, 120_000);

  it("--only with a key that names nothing is bad input, with the keys there are", async () => {
    const dir = scenarioDir({ "sweep.yaml": sweepScenario() });
    const out = join(dir, "out");
    const r = await runCli(["bench", join(dir, "sweep.yaml"), "--out", out, "--only", "intraOpThreads=3"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--only intraOpThreads=3: expected a run key or a sweep combination's key");
    expect(r.stderr).toContain(`ort-sweep/fixed/fp32/${COMBOS[0]}`);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
