import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateGates } from "../../src/analysis/gates.js";
import { formatSummary, summarize, wilson } from "../../src/bench/gate-noise.js";
import { readResultsFile } from "../../src/results/read.js";

const FIX = join(import.meta.dirname, "../fixtures/results");

describe("bench:gate-noise", () => {
  it("Wilson 95 % interval: known values", () => {
    const [lo0, hi0] = wilson(0, 30);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.1135, 3);
    const [lo, hi] = wilson(5, 10);
    expect(lo).toBeCloseTo(0.2366, 3);
    expect(hi).toBeCloseTo(0.7634, 3);
    expect(wilson(0, 0)).toEqual([0, 1]);
  });

  it("identical runs: no false failure, zero spread; a regressed run in the middle fails the pair into it (the pair out of it is an improvement)", () => {
    const pass = readResultsFile(join(FIX, "clean-pass.json"));
    pass.gates = evaluateGates(pass);
    const same = summarize([pass, structuredClone(pass), structuredClone(pass)]);
    expect(same.pairs).toBe(2);
    for (const g of same.gates) expect(g.failures, g.gate).toBe(0);
    expect(same.spread.every((s) => s.throughputSd === 0 && s.memorySd === 0)).toBe(true);

    const bad = readResultsFile(join(FIX, "clean-regressed.json"));
    bad.gates = evaluateGates(bad);
    const mixed = summarize([pass, bad, structuredClone(pass)]);
    const cmp = mixed.gates.find((g) => g.gate === "compare")!;
    expect(cmp.trials).toBe(2);
    expect(cmp.failures).toBe(1);
    expect(formatSummary(mixed)).toMatch(/compare\s+│ pair │ 2\s+│ 1/);
  });
});
