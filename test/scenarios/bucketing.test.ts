/**
 * Sequence bucketing (multipleOf / buckets) and input values, as parsed from YAML and as
 * fed by shapeAt: dynamic dims padded up, never past max, static dims untouched.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandScenario } from "../../src/scenarios/expand.js";
import { parseScenario } from "../../src/scenarios/parse.js";
import { roundDim, shapeAt } from "../../src/scenarios/sequence.js";
import type { ScenarioRun, ShapeMap } from "../../src/scenarios/types.js";

/** tokens and mask share a dynamic batch (1..8) and length (16..128); scale is static. */
function runsFor(sequence: string, iterations = 100): ScenarioRun[] {
  const text = `name: bucket
engine: process
process: { command: [python3, w.py] }
profile:
  inputs:
    tokens: { min: [1, 16], opt: [4, 64], max: [8, 128], dtype: int64, values: { min: 0, max: 50256 } }
    mask: { min: [1, 16], opt: [4, 64], max: [8, 128], dtype: int64, values: ones }
    scale: { shape: [1] }
  sequence: ${sequence}
run: { seed: 3, warmup: 5, iterations: ${iterations} }
`;
  return expandScenario(parseScenario(text, join(process.cwd(), "bucket.yaml")));
}

const TOTAL = 105;
const series = (run: ScenarioRun): ShapeMap[] => Array.from({ length: TOTAL }, (_, k) => shapeAt(run, k, TOTAL));

describe("roundDim", () => {
  it("multipleOf: up to the next multiple, clamped to max; a multiple stays", () => {
    expect(roundDim(17, 16, 128, { multipleOf: 64 })).toBe(64);
    expect(roundDim(64, 16, 128, { multipleOf: 64 })).toBe(64);
    expect(roundDim(65, 16, 128, { multipleOf: 64 })).toBe(128);
    expect(roundDim(100, 16, 100, { multipleOf: 64 })).toBe(100); // 128 would pass max
    // A dim whose whole range fits under one step is left as drawn (padding would only feed max).
    expect(roundDim(3, 1, 8, { multipleOf: 64 })).toBe(3);
    expect(roundDim(3, 1, 8, { buckets: [8, 64] })).toBe(3);
    expect(roundDim(3, 1, 9, { buckets: [8, 64] })).toBe(8);
  });

  it("buckets: the smallest bucket ≥ d, past the last (or past max) the profile max", () => {
    const b = { buckets: [32, 64, 100] };
    expect(roundDim(16, 16, 128, b)).toBe(32);
    expect(roundDim(32, 16, 128, b)).toBe(32);
    expect(roundDim(33, 16, 128, b)).toBe(64);
    expect(roundDim(101, 16, 128, b)).toBe(128);
    expect(roundDim(70, 16, 90, b)).toBe(90);
  });

  it("leaves static dims and unbucketed sequences alone", () => {
    expect(roundDim(5, 5, 5, { multipleOf: 64 })).toBe(5);
    expect(roundDim(17, 16, 128, {})).toBe(17);
  });
});

describe("a scenario comparing raw and bucketed shapes", () => {
  const [raw, bucketed] = runsFor("[random, { kind: random, multipleOf: 64, label: bucketed }]");

  it("parses to two runs with the bucketing on the second only", () => {
    expect(raw!.key).toBe("bucket/random/fp32");
    expect(bucketed!.key).toBe("bucket/bucketed/fp32");
    expect(raw!.sequence.multipleOf).toBeUndefined();
    expect(bucketed!.sequence).toMatchObject({ kind: "random", multipleOf: 64, label: "bucketed", seed: 3 });
  });

  it("feeds the raw shape padded: each dynamic dim rounded up from the same draw", () => {
    const r = series(raw!);
    const b = series(bucketed!);
    const lengths = new Set<number>();
    for (let k = 0; k < TOTAL; k++) {
      // Padded from the very same draw as the raw run, so the two runs differ only by padding.
      expect(b[k]!.tokens![1]).toBe(r[k]!.tokens![1]! <= 64 ? 64 : 128);
      expect(b[k]!.tokens![0]).toBe(r[k]!.tokens![0]); // batch 1..8 fits under one step: as drawn
      expect(b[k]!.mask).toEqual(b[k]!.tokens);
      expect(b[k]!.scale).toEqual([1]);
      lengths.add(r[k]!.tokens![1]!);
    }
    expect(lengths.size).toBeGreaterThan(30); // the raw run really varies
    expect(new Set(b.map((m) => m.tokens![1]))).toEqual(new Set([64, 128]));
  });

  it("keeps the inputs' values in the profile", () => {
    expect(raw!.scenario.profile.tokens!.values).toEqual({ min: 0, max: 50256 });
    expect(raw!.scenario.profile.mask!.values).toBe("ones");
    expect(raw!.scenario.profile.scale!.values).toBeUndefined();
  });
});

describe("bucketing on the other drawn kinds", () => {
  it("ascending with buckets climbs in steps through the buckets, never down, ending at max", () => {
    const s = series(runsFor("{ kind: ascending, buckets: [32, 64, 96] }")[0]!).map((m) => m.tokens![1]!);
    expect(s[0]).toBe(32);
    expect(s[TOTAL - 1]).toBe(128);
    expect([...new Set(s)]).toEqual([32, 64, 96, 128]);
    for (let k = 1; k < TOTAL; k++) expect(s[k]!).toBeGreaterThanOrEqual(s[k - 1]!);
  });

  it("sawtooth with multipleOf restarts each period on the padded min", () => {
    const s = series(runsFor("{ kind: sawtooth, period: 5, multipleOf: 48 }")[0]!).map((m) => m.tokens![1]!);
    expect(s.slice(0, 5)).toEqual([48, 48, 96, 128, 128]); // raw 16, 44, 72, 100, 128
    for (let k = 0; k < TOTAL; k++) expect(s[k]).toBe(s[k % 5]);
  });
});
