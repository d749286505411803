/**
 * `bench --json` carries each sweep (src/cli/bench-json.ts): its points with figures or
 * null, the recommended point and the report's sentence — checked on the real CPU sweep
 * fixture, without running anything.
 */
import { describe, expect, it } from "vitest";
import { evaluateGates } from "../../src/analysis/gates.js";
import { benchSummary } from "../../src/cli/bench-json.js";
import { loadFixture } from "../report/helpers.js";

describe("bench --json: sweeps", () => {
  it("lists every point, the recommendation and its sentence; no NaN anywhere", () => {
    const results = loadFixture("sweep-ort-cpu");
    const summary = benchSummary({
      results,
      outcomes: evaluateGates(results),
      exitCode: 1,
      resultsPath: "r.json",
      reportPath: "r.md",
    });
    const [sweep] = summary.sweeps;
    const stored = results.sweeps![0]!;
    expect(sweep!.points).toHaveLength(stored.points.length);
    expect(sweep!.recommended).toMatchObject({
      run: stored.points[stored.recommended!]!.run,
      strategy: stored.points[stored.recommended!]!.strategy,
    });
    expect(sweep!.sentence).toMatch(/^Recommended: /);
    expect(sweep!.points.filter((p) => p.front).length).toBeGreaterThan(0);
    // Recorded before sweeps repeated their reference: no drift, and the words say so.
    expect(sweep!.drift).toBeNull();
    expect(sweep!.driftSentence).toMatch(/^Drift: not measured/);
    expect(JSON.stringify(summary)).not.toMatch(/NaN|Infinity/);
  });

  it("is an empty list for a bench without sweeps", () => {
    const results = loadFixture("clean-pass");
    expect(benchSummary({ results, outcomes: [], exitCode: 0, resultsPath: "r", reportPath: "m" }).sweeps).toEqual([]);
  });
});
