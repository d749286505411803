import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Comparison, compareResults, type StrategyComparison } from "../../src/analysis/compare.js";
import { runCompare } from "../../src/cli/compare.js";
import { readResultsFile } from "../../src/results/read.js";
import { GITHUB_COMMENT_LIMIT, PR_COMMENT_MARKER, renderPrComment, verdictLine } from "../../src/report/pr-comment.js";
import { runCli } from "../helpers/cli.js";

const FIX = join(import.meta.dirname, "../fixtures/results");

function strategyComparison(
  i: number,
  run: string,
  kind: "regression" | "improvement" | "same" | "leak",
): StrategyComparison {
  const ratio = kind === "regression" ? 0.8 : kind === "improvement" ? 1.2 : 1;
  return {
    run,
    strategy: "persistent",
    baseState: "completed",
    headState: "completed",
    throughput: {
      baseItemsPerSecond: 100 + i,
      headItemsPerSecond: (100 + i) * ratio,
      ratio,
      ratioCi: [ratio - 0.02, ratio + 0.02],
      rounds: { base: 5, head: 5 },
      claim: kind === "regression" ? "regression" : kind === "improvement" ? "improvement" : "within-noise",
      detectable: { drop: 0.08, rise: 0.08 },
    },
    peakMemory: { signal: "gpuProcessBytes", baseBytes: 2 ** 30, headBytes: 2 ** 30, ratio: 1, claim: "within-noise" },
    leak:
      kind === "leak" ? { base: "flat", head: "leak", newLeak: true } : { base: "flat", head: "flat", newLeak: false },
  };
}

function synthComparison(strategies: StrategyComparison[], differences: string[] = []): Comparison {
  return {
    base: { runId: "base-run", createdAt: "2026-12-01T00:00:00.000Z", gitCommit: "a".repeat(40) },
    head: { runId: "head-run", createdAt: "2026-12-01T01:00:00.000Z", gitCommit: "b".repeat(40) },
    environmentDifferences: differences,
    environmentWarnings: [],
    forced: differences.length > 0,
    thresholds: { maxRegression: 0.05, maxMemoryIncrease: 0.1, maxCv: 0.1 },
    strategies,
    onlyInBase: [],
    onlyInHead: [],
  };
}

/** Unescaped pipes in a markdown table row. */
const pipes = (line: string): number => (line.replace(/\\\|/g, "").match(/\|/g) ?? []).length;

describe("compare --format pr-comment", () => {
  it("marker first, verdict line second, regressions first in the table, details collapsed", () => {
    const c = compareResults(
      readResultsFile(join(FIX, "clean-pass.json")),
      readResultsFile(join(FIX, "clean-regressed.json")),
    );
    const text = renderPrComment(c);
    const lines = text.split("\n");
    expect(lines[0]).toBe(PR_COMMENT_MARKER);
    expect(lines[1]).toBe("### ❌ vramgate: 4 regressions, 2 unchanged");
    const rows = lines.filter((l) => l.startsWith("| ❌") || l.startsWith("|  |"));
    expect(rows).toHaveLength(6);
    expect(rows.slice(0, 4).every((r) => r.startsWith("| ❌"))).toBe(true);
    expect(text).toMatch(/\*\*−20\.9\u00a0% \[−22\.3\u00a0%, −19\.1\u00a0%\]\*\* regression/);
    expect(text).toMatch(/436 → 513 \(\*\*\+17\.7\u00a0%\*\*\)/);
    expect(text).toContain("<details><summary>Details</summary>\n\n");
    expect(text.trimEnd().endsWith("</details>")).toBe(true);
  });

  it("verdict counts: regressions, new leaks, improvements, unchanged", () => {
    const c = synthComparison([
      strategyComparison(0, "a/b/fp32", "regression"),
      strategyComparison(1, "a/c/fp32", "regression"),
      strategyComparison(2, "a/d/fp32", "improvement"),
      strategyComparison(3, "a/e/fp32", "leak"),
      ...Array.from({ length: 14 }, (_, i) => strategyComparison(10 + i, `x/${i}/fp32`, "same")),
    ]);
    expect(verdictLine(c)).toBe("2 regressions, 1 new leak, 1 improvement, 14 unchanged");
    const text = renderPrComment(c);
    expect(text).toContain("**New leak verdicts**: a/e/fp32 · persistent (flat → leak)");
    expect(text).toContain("**flat → leak**");
    expect(verdictLine(synthComparison([strategyComparison(0, "a", "same")]))).toBe("1 unchanged");
    expect(renderPrComment(synthComparison([strategyComparison(0, "a", "same")])).split("\n")[1]).toBe(
      "### ✅ vramgate: 1 unchanged",
    );
  });

  it("environment differences are named", () => {
    const c = synthComparison([strategyComparison(0, "a", "same")], ["GPU: NVIDIA H100 vs NVIDIA H200"]);
    expect(renderPrComment(c)).toContain("**Environment differs**");
    expect(renderPrComment(c)).toContain("GPU: NVIDIA H100 vs NVIDIA H200");
  });

  it("a huge comparison stays under GitHub's 65,536 characters, says what it cut, and keeps the table well-formed", () => {
    const hostile = "evil|name<script>alert(1)</script>`code`\n".repeat(20);
    const strategies = Array.from({ length: 5_000 }, (_, i) =>
      strategyComparison(i, `${hostile}${i}`, i % 97 === 0 ? "regression" : i % 89 === 0 ? "improvement" : "same"),
    );
    const c = synthComparison(
      strategies,
      Array.from({ length: 500 }, (_, i) => `engine${i}: 1.${i} vs 2.${i}`),
    );
    const text = renderPrComment(c);
    expect(text.length).toBeLessThanOrEqual(60_000);
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(text.startsWith(PR_COMMENT_MARKER)).toBe(true);
    expect(text).toMatch(/_… \d+ more rows not shown \(GitHub's comment limit\)\._/);
    expect(text).not.toContain("<script");
    const rows = text.split("\n").filter((l) => l.startsWith("| "));
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) expect(pipes(r)).toBe(8);
    // Regressions first, then improvements, then the unchanged.
    const ranks = rows.slice(1).map((r) => (r.startsWith("| ❌") ? 0 : r.startsWith("| ✅") ? 2 : 3));
    expect(ranks[0]).toBe(0);
    expect(ranks.every((k, i) => i === 0 || k >= ranks[i - 1]!)).toBe(true);
    expect(text.trimEnd().endsWith("</details>")).toBe(true);
    for (const budget of [1_000, 5_000, 20_000]) {
      const t = renderPrComment(c, { maxChars: budget, reportUrl: "https://ci.example/run/1" });
      expect(t.length).toBeLessThanOrEqual(budget);
      expect(t.startsWith(PR_COMMENT_MARKER)).toBe(true);
    }
  });

  it("through the CLI: the exit code still gates; a bad --format is bad input", async () => {
    const r = runCompare({
      base: join(FIX, "clean-pass.json"),
      head: join(FIX, "clean-regressed.json"),
      force: false,
      json: false,
      format: "pr-comment",
    });
    expect(r.exitCode).toBe(1);
    expect(r.output.startsWith(PR_COMMENT_MARKER)).toBe(true);
    const bad = await runCli([
      "compare",
      join(FIX, "clean-pass.json"),
      join(FIX, "clean-pass.json"),
      "--format",
      "html",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--format: expected one of text, json, pr-comment");
  });
});
