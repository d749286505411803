/**
 * A sweep in words and pictures (src/report/sweep.ts) on the real CPU sweep fixture: the
 * sentence names what the analysis chose and why, the table has one row per point with the
 * recommendation starred, the drift line (measured or not) above the sentence, and the
 * scatter is valid SVG with one numbered mark per point.
 */
import { describe, expect, it } from "vitest";
import { driftSentence, paretoChart, sweepMarkdown, sweepSentence } from "../../src/report/sweep.js";
import type { SweepAnalysis } from "../../src/results/sweep.js";
import { loadFixture } from "./helpers.js";

const sweep = (): SweepAnalysis => structuredClone(loadFixture("sweep-ort-cpu").sweeps![0]!);

describe("sweep report", () => {
  it("says what to ship, with its figures, and what left the others out", () => {
    const a = sweep();
    const rec = a.points[a.recommended!]!;
    const text = sweepSentence(a);
    expect(text).toMatch(/^Recommended: fp32 · intraOpThreads=\d,enableCpuMemArena=(true|false) with \w+ \(/);
    expect(text).toContain(`with ${rec.strategy}`);
    expect(text).toContain(`${a.points.filter((p) => p.excluded.length).length} of ${a.points.length} left out`);
    expect(text).toContain("over gate.maxP99Ms");
  });

  it("says when nothing qualifies", () => {
    const a = sweep();
    delete a.recommended;
    for (const p of a.points) p.excluded = [{ code: "max-p99", p99Ms: 9, limitMs: 5 }];
    expect(sweepSentence(a)).toBe(
      `No configuration qualifies: all ${a.points.length} combinations × strategies were left out (${a.points.length} over gate.maxP99Ms).`,
    );
  });

  it("tables every point once and stars the recommended one", () => {
    const a = sweep();
    const lines = sweepMarkdown(a, "c/p.svg", (s) => s);
    const rows = lines.filter((l) => /^\| \d+ \|/.test(l));
    expect(rows).toHaveLength(a.points.length);
    expect(rows.filter((r) => r.includes("★"))).toEqual([rows[a.recommended!]]);
    expect(lines).toContain("![ort-sweep: peak memory against throughput, Pareto front marked](c/p.svg)");
  });

  it("says the drift above the recommendation: measured, or that it was not", () => {
    const a = sweep();
    const notMeasured = sweepMarkdown(a, undefined, (s) => s);
    const at = notMeasured.findIndex((l) => l.startsWith("Drift: not measured"));
    expect(at).toBeGreaterThan(0);
    expect(notMeasured[at + 2]).toMatch(/^\*\*Recommended/);
    a.drift = {
      run: a.reference.run,
      repeat: `${a.reference.run}#repeat`,
      strategy: "scoped",
      ratio: 0.93,
      ci: [0.9, 0.96],
    };
    expect(driftSentence(a)).toBe(
      "Drift: the reference re-run at the end measured 0.93× [0.90, 0.96] its first run: ratios between combinations carry ±10 % from run order (widened below); within a combination strategies are interleaved.",
    );
    const lines = sweepMarkdown(a, undefined, (s) => s);
    expect(lines).toContain(driftSentence(a));
    expect(lines.join("\n")).toContain("widened by the drift for points of other runs than the reference's");
    expect(lines.join("\n")).not.toContain("Drift: not measured");
  });

  it("draws one numbered mark per point, the front as diamonds and the limit line", () => {
    const a = sweep();
    const svg = paretoChart(a)!;
    expect(svg.startsWith("<svg xmlns=")).toBe(true);
    expect(svg).not.toMatch(/NaN|undefined/);
    const front = a.points.filter((p) => p.front).length;
    expect(svg.match(/<path d="M [\d.]+ [\d.]+ L [\d.]+ [\d.]+ L [\d.]+ [\d.]+ L [\d.]+ [\d.]+ Z"/g)).toHaveLength(
      front,
    );
    for (let i = 1; i <= a.points.length; i++) expect(svg).toMatch(new RegExp(`>${i}</text>`));
    expect(svg).toContain("gate.maxPeakMiB 128");
  });

  it("draws each point's interval as a whisker, and names a limit far above the points instead of squashing them", () => {
    const a = sweep();
    const svg = paretoChart(a)!;
    const withCi = a.points.filter((p) => p.ratioCi && Number.isFinite(p.peakBytes)).length;
    expect(svg.match(/stroke-opacity="0\.45"/g)).toHaveLength(withCi);
    expect(svg).toContain("bars: 95 % interval");
    const peakMiB = Math.max(...a.points.map((p) => (p.peakBytes ?? 0) / 1048576));
    a.limits.maxPeakMiB = Math.ceil(peakMiB * 10);
    const far = paretoChart(a)!;
    expect(far).toContain(`gate.maxPeakMiB ${a.limits.maxPeakMiB}: above the chart`);
    expect(far).not.toMatch(/stroke="#b00020" stroke-width="1" stroke-dasharray/);
  });
});
