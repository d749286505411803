/**
 * The dynamic-shape words and tables, on real H200 results (results/examples/h200-shapes):
 * the terminal lines fit 100 columns, the markdown has the tax table, the confirmation and
 * the raw-vs-bucketed comparison, and the words agree with the figures.
 */
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../../src/report/markdown.js";
import { formatSummary } from "../../src/report/terminal.js";
import { sequenceComparisons, shapeTerminalLines } from "../../src/report/shapes.js";
import type { ResultsFile } from "../../src/results/types.js";
import { evidence as evidenceOf } from "../helpers/evidence.js";

const evidence = (name: string): ResultsFile => evidenceOf(`h200-shapes/${name}`);

describe("dynamic-shape report on real GPU results", () => {
  it("terminal: a line per strategy that met new shapes, within 100 columns", () => {
    const r = evidence("gpt-leaky");
    const lines = shapeTerminalLines(r.runs[0]!);
    expect(lines[0]).toMatch(/^Dynamic shapes \(153 of 1,992 allowed shapes seen\)/);
    expect(lines.filter((l) => /^ {2}(persistent|teardown|scoped) +\d+\/\d+/.test(l))).toHaveLength(3);
    expect(lines.some((l) => /persistent: \d+ replay calls at seen shapes; inconclusive → leak/.test(l))).toBe(true);
    for (const l of formatSummary(r, r.gates ?? [], { color: false })
      .split("\n")
      .filter((x) => x.startsWith("  "))) {
      expect([...l].length, l).toBeLessThanOrEqual(105);
    }
    for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(100);
  });

  it("markdown: tax table, words per strategy, confirmation, and raw vs bucketed side by side", () => {
    const r = evidence("encoder-torch");
    const md = renderMarkdown(r, r.gates ?? [], { chartDir: "c", charts: false }).markdown;
    expect(md).toContain("### Dynamic shapes");
    expect(md).toMatch(/\| \*\*persistent\*\* \| \d+ \/ \d+ \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \| [\d.]+× \[/);
    expect(md).toMatch(
      /persistent\*\*: grows [\d.]+ KiB per new shape .*0 on repeated shapes \(flat\); 399 of 8,080 allowed shapes seen; bound ~[\d.]+ MiB \(up to [\d.]+ MiB\)/,
    );
    expect(md).toMatch(/persistent\*\* confirmation: 400 replay calls at seen shapes; shape-growth confirmed/);
    expect(md).toContain("## Shape sequences compared: encoder-torch · fp16");
    const c = sequenceComparisons(r)[0]!;
    expect(c.sequences).toEqual(["random", "bucketed"]);
    const persistent = c.rows.find((x) => x.strategy === "persistent")!;
    // Bucketing reduced the shapes seen and raised throughput on this run.
    expect(persistent.cells[1]!.distinct!).toBeLessThan(persistent.cells[0]!.distinct!);
    expect(persistent.cells[1]!.rate!).toBeGreaterThan(persistent.cells[0]!.rate!);
  });

  it("no strategy of the clean runs is a leak; the planted and the worker's leaks are", () => {
    const verdicts = (name: string) =>
      evidence(name).runs.flatMap((run) =>
        run.strategies.map((s) => [s.strategy, s.analysis!.leak[s.primarySignal]!.verdict]),
      );
    for (const [, v] of [...verdicts("encoder-torch"), ...verdicts("gpt")])
      expect(["shape-growth", "plateau", "flat"]).toContain(v);
    for (const [, v] of verdicts("encoder-torch-leak")) expect(v).toBe("leak");
    expect(Object.fromEntries(verdicts("gpt-leaky"))).toEqual({
      persistent: "leak",
      teardown: "leak",
      scoped: "plateau",
    });
  });
});
