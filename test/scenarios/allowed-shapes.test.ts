/**
 * allowedShapes: the distinct shape maps a run's sequence can feed. Checked against brute
 * force (distinct shapeAt keys over many calls) wherever the space is small enough to
 * cover, and against closed forms elsewhere.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allowedShapes } from "../../src/scenarios/allowed-shapes.js";
import { expandScenario } from "../../src/scenarios/expand.js";
import { parseScenario } from "../../src/scenarios/parse.js";
import { shapeAt, shapeKey } from "../../src/scenarios/sequence.js";
import type { ScenarioRun } from "../../src/scenarios/types.js";

const TWO_INPUTS = `    tokens: { min: [1, 16], opt: [4, 64], max: [8, 128], dtype: int64 }
    mask: { min: [1, 16], opt: [4, 64], max: [8, 128], dtype: int64 }
    scale: { shape: [1] }`;

function run(sequence: string, inputs = TWO_INPUTS, runLine = "{ seed: 1, warmup: 5, iterations: 100 }"): ScenarioRun {
  const text = `name: allowed
engine: process
process: { command: [python3, w.py] }
profile:
  inputs:
${inputs}
  sequence: ${sequence}
run: ${runLine}
`;
  return expandScenario(parseScenario(text, join(process.cwd(), "allowed.yaml")))[0]!;
}

/** Distinct shapes over calls 0..calls-1 of a run of `total` calls. */
function seen(r: ScenarioRun, calls: number, total = calls): number {
  const keys = new Set<string>();
  for (let k = 0; k < calls; k++) keys.add(shapeKey(shapeAt(r, k, total)));
  return keys.size;
}

describe("allowedShapes: fixed and cycle", () => {
  it("fixed is one shape", () => {
    expect(allowedShapes(run("fixed"))).toEqual({ count: 1, exact: true });
  });

  it("cycle counts the distinct shapes listed (default min, opt, max)", () => {
    expect(allowedShapes(run("cycle"))).toEqual({ count: 3, exact: true });
    const repeats = run("{ kind: cycle, shapes: [{ tokens: [1, 16] }, { tokens: [2, 16] }, { tokens: [1, 16] }] }");
    expect(allowedShapes(repeats)).toEqual({ count: 2, exact: true });
  });
});

describe("allowedShapes: random", () => {
  it("inputs sharing dim ranges share one draw per index: 8 batch sizes × 113 lengths, not squared", () => {
    const r = run("random");
    expect(allowedShapes(r)).toEqual({ count: 8 * 113, exact: true });
    expect(seen(r, 40_000)).toBe(8 * 113);
  });

  it("with multipleOf: the padded values per index (length 64 or 128; batch 1..8 left as drawn: its range fits under one step)", () => {
    const r = run("{ kind: random, multipleOf: 64 }");
    expect(allowedShapes(r)).toEqual({ count: 16, exact: true });
    expect(seen(r, 4000)).toBe(16);
  });

  it("with buckets: the buckets inside min..max-1, plus max", () => {
    const r = run("{ kind: random, buckets: [8, 32, 100, 500] }");
    // length: 32, 100, 128; batch (1..8, not above the first bucket): all 8 values.
    expect(allowedShapes(r)).toEqual({ count: 24, exact: true });
    expect(seen(r, 4000)).toBe(24);
  });

  it("different ranges at a shared index: the tuples one draw can give, counted exactly", () => {
    // Index 0: a is 1..4, b is 1..6: breakpoints {1/4, 1/2, 3/4} ∪ {1/6, …, 5/6} = 7, so 8 tuples.
    const inputs = `    a: { min: [1, 3], opt: [2, 3], max: [4, 3] }
    b: { min: [1], opt: [2], max: [6] }`;
    const r = run("random", inputs);
    expect(allowedShapes(r)).toEqual({ count: 8, exact: true });
    expect(seen(r, 5000)).toBe(8);
  });

  it("different ranges with bucketing: only the steps that survive rounding count", () => {
    const inputs = `    a: { min: [10, 40], opt: [20, 40], max: [40, 90] }
    b: { min: [1], opt: [2], max: [33] }`;
    const r = run("{ kind: random, multipleOf: 16, seed: 9 }", inputs);
    const want = seen(r, 100_000);
    expect(allowedShapes(r)).toEqual({ count: want, exact: true });
    // a[0] takes 16, 32, 40; b[0] takes 16, 32, 33; a[1] takes 48, 64, 80, 90.
    expect(want).toBeGreaterThan(4);
  });

  it("a space past Number.MAX_SAFE_INTEGER is capped, as a lower bound", () => {
    const inputs = "    x: { min: [1, 1, 1, 1], opt: [2, 2, 2, 2], max: [1048576, 1048576, 1048576, 1048576] }";
    expect(allowedShapes(run("random", inputs))).toEqual({ count: Number.MAX_SAFE_INTEGER, exact: false });
  });

  it("static inputs alone allow one shape", () => {
    expect(allowedShapes(run("random", "    x: { shape: [2, 3] }"))).toEqual({ count: 1, exact: true });
  });
});

describe("allowedShapes: ascending and sawtooth", () => {
  it("ascending counts the distinct shapes over warmup + iterations calls", () => {
    const r = run("ascending");
    const got = allowedShapes(r);
    expect(got.exact).toBe(true);
    expect(got.count).toBe(seen(r, 105));
    expect(got.count).toBeLessThanOrEqual(105);
  });

  it("ascending with buckets: one shape per bucket reached", () => {
    const r = run("{ kind: ascending, buckets: [32, 64, 96] }");
    expect(allowedShapes(r)).toEqual({ count: seen(r, 105), exact: true });
    expect(allowedShapes(r).count).toBeGreaterThanOrEqual(4);
  });

  it("sawtooth: one period's shapes, or the run's calls if shorter", () => {
    expect(allowedShapes(run("{ kind: sawtooth, period: 7 }"))).toEqual({ count: 7, exact: true });
    expect(allowedShapes(run("{ kind: sawtooth, period: 7, multipleOf: 64 }"))).toEqual({
      count: seen(run("{ kind: sawtooth, period: 7, multipleOf: 64 }"), 7, 105),
      exact: true,
    });
    const short = run("{ kind: sawtooth, period: 500 }", TWO_INPUTS, "{ warmup: 0, iterations: 10, rounds: 2 }");
    expect(allowedShapes(short)).toEqual({ count: seen(short, 10), exact: true });
  });

  it("past a million calls: a lower bound from calls spread across the run", () => {
    const r = run("ascending", TWO_INPUTS, "{ warmup: 0, iterations: 3000000 }");
    const got = allowedShapes(r);
    expect(got.exact).toBe(false);
    // Every length (113) and batch size (8) is reached; the two move together, so at
    // least 113 and at most 113 + 7 shapes.
    expect(got.count).toBeGreaterThanOrEqual(113);
    expect(got.count).toBeLessThanOrEqual(120);
  });
});
