/**
 * Golden-file tests of the markdown report: test/fixtures/results/<name>.json rendered
 * must equal <name>.md. After an intended change: UPDATE_GOLDEN=1 npx vitest run test/report
 * and review the diff of the .md files.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareResults } from "../../src/analysis/compare.js";
import { evaluateGates } from "../../src/analysis/gates.js";
import { CHARTS_BEGIN, renderMarkdown, writeReport } from "../../src/report/markdown.js";
import { FIXTURES, fixturePath, loadFixture } from "./helpers.js";

const update = process.env.UPDATE_GOLDEN === "1";

/** name → baseline fixture to compare with (if any). */
const CASES: Record<string, string | undefined> = {
  "leak-persistent": undefined,
  faulted: undefined,
  "clean-pass": undefined,
  "clean-regressed": "clean-pass",
  // Real runs from the H100 (results/examples/h100), kept as they were written there.
  "h100-torch-leak": undefined,
  "h100-process-leaky": undefined,
  // Synthetic memory layers: growth in tensors, in the allocator's cache, outside the allocator.
  layers: undefined,
  // A real CPU sweep (ONNX Runtime intraOpThreads × arena, three strategies): table, sentence, Pareto chart.
  "sweep-ort-cpu": undefined,
};

function render(name: string): ReturnType<typeof renderMarkdown> {
  const results = loadFixture(name);
  const baseName = CASES[name];
  const baselineFile = baseName ? loadFixture(baseName) : undefined;
  const outcomes = evaluateGates(results, baselineFile ? { baselineFile } : {});
  const comparison = baselineFile ? compareResults(baselineFile, results) : undefined;
  return renderMarkdown(results, outcomes, { chartDir: `${name}-charts`, ...(comparison ? { comparison } : {}) });
}

describe("markdown report (golden files)", () => {
  for (const name of Object.keys(CASES)) {
    it(`${name}.json renders as ${name}.md`, () => {
      const { markdown } = render(name);
      const golden = join(FIXTURES, `${name}.md`);
      if (update) writeFileSync(golden, markdown);
      expect(existsSync(golden), `${golden} is missing: run with UPDATE_GOLDEN=1 to create it`).toBe(true);
      expect(markdown).toBe(readFileSync(golden, "utf8"));
    });
  }
});

describe("markdown report layout", () => {
  it("puts the verdict first, with each failed gate on one line", () => {
    const { markdown } = render("leak-persistent");
    const lines = markdown.split("\n");
    expect(lines[0]).toBe("# vramgate: FAIL");
    const fails = lines.filter((l) => l.startsWith("- **FAIL**"));
    expect(fails).toHaveLength(1);
    expect(fails[0]).toContain("persistent: gpuProcessBytes leak");
    expect(markdown.indexOf("- **FAIL**")).toBeLessThan(markdown.indexOf("## resnet-arena/random/fp16"));
  });

  it("says PASS when every gate holds", () => {
    const { markdown } = render("clean-pass");
    expect(markdown.startsWith("# vramgate: PASS\n")).toBe(true);
    expect(markdown).not.toContain("**FAIL**");
  });

  it("has one table row per strategy with the baseline marked, and a recommendation that says why others were excluded", () => {
    const { markdown } = render("leak-persistent");
    const rows = markdown.split("\n").filter((l) => /^\| \*\*(persistent|teardown|scoped)\*\*/.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[2]).toContain("**scoped** (baseline)");
    for (const r of rows) expect(r.split(/(?<!\\)\|/).length - 2).toBe(10);
    expect(markdown).toContain("**Recommendation: `teardown`**");
    expect(markdown).toContain("Excluded: `persistent` (leaks +1.50 MiB/iter)");
  });

  it("links every chart it returns, under the chart folder", () => {
    const { markdown, charts } = render("faulted");
    expect(charts.map((c) => c.file).sort()).toEqual([
      "resnet-trt-sawtooth-fp16-latency.svg",
      "resnet-trt-sawtooth-fp16-overlay.svg",
      "resnet-trt-sawtooth-fp16-per-shape.svg",
      "resnet-trt-sawtooth-fp16-persistent.svg",
      "resnet-trt-sawtooth-fp16-scoped.svg",
      "resnet-trt-sawtooth-fp16-throughput.svg",
      "resnet-trt-sawtooth-fp16-user-managed.svg",
    ]);
    for (const c of charts) expect(markdown).toContain(`](faulted-charts/${c.file})`);
  });

  it("leaves charts out on request", () => {
    const results = loadFixture("faulted");
    const r = renderMarkdown(results, evaluateGates(results), { chartDir: "x", charts: false });
    expect(r.charts).toHaveLength(0);
    expect(r.markdown).not.toContain("![");
    expect(r.markdown).not.toContain(CHARTS_BEGIN);
  });

  it("escapes pipes inside table cells", () => {
    const results = loadFixture("faulted");
    results.runs[0]!.strategies[1]!.state = "errored";
    results.environment.cpu = "weird | cpu";
    const { markdown } = renderMarkdown(results, evaluateGates(results), { chartDir: "c" });
    expect(markdown).toContain("| CPU | weird \\| cpu × 16 |");
  });
});

describe("writeReport", () => {
  it("writes <run>.md next to the results JSON and the SVGs into <run>-charts/, leaving no temporary files", () => {
    const dir = mkdtempSync(join(tmpdir(), "vramgate-report-"));
    const resultsPath = join(dir, "2026-11-25T0640-l4-faults.json");
    copyFileSync(fixturePath("faulted"), resultsPath);
    const results = loadFixture("faulted");
    const outcomes = evaluateGates(results);
    const mdPath = writeReport(resultsPath, results, outcomes);
    expect(mdPath).toBe(join(dir, "2026-11-25T0640-l4-faults.md"));
    const md = readFileSync(mdPath, "utf8");
    expect(md).toContain("](2026-11-25T0640-l4-faults-charts/resnet-trt-sawtooth-fp16-overlay.svg)");
    const charts = readdirSync(join(dir, "2026-11-25T0640-l4-faults-charts")).sort();
    // Memory: overlay + one per strategy (4); throughput and latency: one each.
    expect(charts).toHaveLength(7);
    for (const c of charts)
      expect(readFileSync(join(dir, "2026-11-25T0640-l4-faults-charts", c), "utf8")).toMatch(/^<svg /);
    expect(readdirSync(dir).sort()).toEqual([
      "2026-11-25T0640-l4-faults-charts",
      "2026-11-25T0640-l4-faults.json",
      "2026-11-25T0640-l4-faults.md",
    ]);
    // Writing again replaces the files in place.
    writeReport(resultsPath, results, outcomes);
    expect(readFileSync(mdPath, "utf8")).toBe(md);
  });
});
