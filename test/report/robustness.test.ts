/**
 * Reports and gates on the awkward files real runs produce: aborted runs, strategies that
 * died before their first block, no analysis yet, "no-data" ratios written as null
 * (JSON has no NaN).
 */
import { recommend } from "../../src/analysis/recommend.js";
import { describe, expect, it } from "vitest";
import { evaluateGates, exitCodeFor } from "../../src/analysis/gates.js";
import type { ThroughputComparison } from "../../src/results/verdicts.js";
import { junitXml } from "../../src/report/junit.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { formatSummary } from "../../src/report/terminal.js";
import type { ResultsFile } from "../../src/results/types.js";
import { loadFixture, parseXml } from "./helpers.js";

function awkward(): ResultsFile {
  const f = loadFixture("leak-persistent");
  f.state = "aborted";
  delete f.finishedAt;
  const run = f.runs[0]!;
  const [persistent, teardown] = run.strategies;
  // Died while activating: nothing measured.
  Object.assign(persistent!, {
    state: "errored",
    iterations: 0,
    rounds: [],
    series: { blockSize: 1, firstIteration: [], lastIteration: [], timeMs: [], latencyMeanMs: [], signals: {} },
    peakBytes: {},
    error: { message: "engine refused: CUDA execution provider not available" },
  });
  delete persistent!.latency;
  delete persistent!.analysis;
  // Completed but not analysed yet.
  delete teardown!.analysis;
  // What the analyser writes for too few rounds, after a JSON round trip (NaN → null).
  run.throughput = JSON.parse(
    JSON.stringify([
      { strategy: "persistent", baseline: "scoped", ratio: null, ratioCi: [null, null], claim: "no-data", rounds: 0 },
      { strategy: "teardown", baseline: "scoped", ratio: null, ratioCi: [null, null], claim: "no-data", rounds: 1 },
    ]),
  ) as ThroughputComparison[];
  run.gate = { ...run.gate, maxSlowdown: 0.1 };
  run.recommendation = recommend(run); // as analysis stores it for such a run
  return f;
}

describe("awkward results", () => {
  it("gate without throwing: no-data fails min-speedup, skips max-slowdown, missing analysis warns", () => {
    const o = evaluateGates(awkward());
    expect(o.find((x) => x.gate === "run" && x.strategy === "persistent")!.message).toContain(
      "errored after 0 measured iterations: engine refused",
    );
    expect(o.find((x) => x.gate === "min-speedup")!.status).toBe("fail");
    expect(o.filter((x) => x.gate === "max-slowdown")).toHaveLength(0);
    expect(o.find((x) => x.gate === "leak" && x.strategy === "teardown")!.message).toContain("no leak analysis");
    expect(o.find((x) => x.gate === "max-peak" && x.strategy === "persistent")!.status).toBe("warn");
    expect(exitCodeFor(o)).toBe(1);
  });

  it("render markdown, terminal and JUnit with dashes, never NaN / null / undefined", () => {
    const f = awkward();
    const o = evaluateGates(f);
    const { markdown, charts } = renderMarkdown(f, o, { chartDir: "c" });
    expect(markdown).toContain("Run **aborted**");
    expect(markdown).toContain("| **persistent** | errored | — | no data | — | — | — | not analysed | — | — |");
    expect(markdown).toContain("`persistent` (did not complete (errored))");
    expect(markdown).toContain("`teardown` (no leak analysis)");
    expect(charts.map((c) => c.file)).not.toContain("resnet-arena-random-fp16-persistent.svg");
    const term = formatSummary(f, o, { color: false });
    for (const text of [markdown, term, ...charts.map((c) => c.svg)])
      expect(text).not.toMatch(/NaN|null|undefined|Infinity/);
    expect(term).toMatch(/│ persistent +│ errored +│ +— │ no data/);
    parseXml(junitXml(f, o));
  });
});
