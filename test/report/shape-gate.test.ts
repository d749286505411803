import { describe, expect, it } from "vitest";
import { evaluateGates, exitCodeFor, projectedShapeGrowthBytes } from "../../src/analysis/gates.js";
import type { ShapeAttribution } from "../../src/results/verdicts.js";
import type { ResultsFile, StrategyResult } from "../../src/results/types.js";
import { loadFixture } from "./helpers.js";

const MiB = 1024 * 1024;

/** The clean fixture with persistent's primary verdict turned into shape-growth (bound given). */
function withShapeGrowth(fits: boolean, gate: Record<string, unknown> = {}): { f: ResultsFile; s: StrategyResult } {
  const f = loadFixture("clean-pass");
  const run = f.runs[0]!;
  Object.assign(run.gate, gate);
  const s = run.strategies.find((x) => x.strategy === "persistent")!;
  const leak = s.analysis!.leak[s.primarySignal]!;
  leak.verdict = "shape-growth";
  leak.explanation = "shape-growth: grows 80 KiB per new shape";
  const attr: ShapeAttribution = {
    reason: "new-shapes-only",
    wholeVerdict: "leak",
    distinctShapes: 100,
    newShapeCalls: 90,
    repeatCalls: 400,
    newShapeBytes: 8 * MiB,
    bytesPerNewShape: 80 * 1024,
    bytesPerNewShapeCi: [60 * 1024, 100 * 1024],
    allowedShapes: { count: 1100, exact: true },
    bound: {
      remainingShapes: 1000,
      projectedBytes: 2000 * MiB,
      projectedCi: [1980 * MiB, 2020 * MiB],
      capacityBytes: 4096 * MiB,
      fits,
      shapesToOom: fits ? 20000 : 50,
    },
  };
  s.analysis!.shapes = { [s.primarySignal]: attr };
  return { f, s };
}

describe("shape-growth gate", () => {
  it("warns by default and never counts as a leak", () => {
    const { f } = withShapeGrowth(true);
    const o = evaluateGates(f);
    const g = o.filter((x) => x.gate === "shape-growth" && x.strategy === "persistent");
    expect(g).toHaveLength(1);
    expect(g[0]!.status).toBe("warn");
    const key = f.runs[0]!.key;
    expect(o.some((x) => x.gate === "leak" && x.strategy === "persistent" && x.run === key)).toBe(false);
    expect(exitCodeFor(o)).toBe(0);
  });

  it("fails in mode fail, passes in mode off or when allowed", () => {
    expect(
      evaluateGates(withShapeGrowth(true, { shapeGrowth: "fail" }).f).find((x) => x.gate === "shape-growth")!.status,
    ).toBe("fail");
    expect(
      evaluateGates(withShapeGrowth(true, { shapeGrowth: "off" }).f).find((x) => x.gate === "shape-growth")!.status,
    ).toBe("pass");
    const allowed = withShapeGrowth(true, { shapeGrowth: "fail", allow: { persistent: ["shape-growth"] } });
    expect(evaluateGates(allowed.f).find((x) => x.gate === "shape-growth")!.status).toBe("pass");
  });

  it("fails when the projected growth passes maxShapeGrowthMiB, in any mode but off", () => {
    const { f, s } = withShapeGrowth(true, { maxShapeGrowthMiB: 50 });
    // 8 MiB so far + 1000 remaining × 100 KiB (the CI's upper bound) ≈ 105.7 MiB.
    expect(projectedShapeGrowthBytes(s)! / MiB).toBeCloseTo(8 + (1000 * 100) / 1024, 3);
    const g = evaluateGates(f).find((x) => x.gate === "shape-growth")!;
    expect(g.status).toBe("fail");
    expect(g.message).toMatch(/projected growth 105\.7 MiB .* limit 50 MiB/);
    expect(exitCodeFor(evaluateGates(f))).toBe(1);
  });

  it("says so when the bound does not fit in memory", () => {
    const g = evaluateGates(withShapeGrowth(false).f).find((x) => x.gate === "shape-growth")!;
    expect(g.status).toBe("warn");
    expect(g.message).toMatch(/does not fit in memory/);
  });
});
