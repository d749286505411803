import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandScenario } from "../../src/scenarios/expand.js";
import { parseScenario } from "../../src/scenarios/parse.js";
import { shapeAt, shapeKey } from "../../src/scenarios/sequence.js";
import { uniformAt } from "../../src/uniform-at.js";
import { shapeKey as protocolShapeKey } from "../../src/run/protocol.js";
import type { ScenarioRun, ShapeMap } from "../../src/scenarios/types.js";

/** Two inputs sharing a dynamic batch dim, a static dim, and a second dynamic dim on one. */
function runsFor(sequence: string, seed = 1): ScenarioRun[] {
  const text = `name: seq
model: test/fixtures/scenarios/valid/worker/model.onnx
engine: process
process: { command: [python3, w.py] }
profile:
  inputs:
    tokens: { min: [1, 16], opt: [4, 64], max: [8, 128], dtype: int64 }
    mask: { min: [1, 16], opt: [4, 64], max: [8, 128], dtype: int64 }
    scale: { shape: [1] }
  sequence: ${sequence}
run: { seed: ${seed}, warmup: 5, iterations: 100 }
`;
  return expandScenario(parseScenario(text, join(process.cwd(), "seq.yaml")));
}

const KINDS = [
  "fixed",
  "cycle",
  "random",
  "ascending",
  "sawtooth",
  "{ kind: sawtooth, period: 7 }",
  "{ kind: random, seed: 42 }",
];
const TOTAL = 105;

function series(run: ScenarioRun, total = TOTAL): ShapeMap[] {
  return Array.from({ length: total }, (_, k) => shapeAt(run, k, total));
}

describe("shapeAt", () => {
  it.each(KINDS)("%s: every shape within the profile's min..max, with the profile's inputs", (kind) => {
    const run = runsFor(kind)[0]!;
    for (const shape of series(run)) {
      expect(Object.keys(shape)).toEqual(["tokens", "mask", "scale"]);
      for (const [name, p] of Object.entries(run.scenario.profile)) {
        const dims = shape[name]!;
        expect(dims).toHaveLength(p.min.length);
        dims.forEach((d, i) => {
          expect(Number.isInteger(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(p.min[i]!);
          expect(d).toBeLessThanOrEqual(p.max[i]!);
        });
      }
    }
  });

  it.each(KINDS)("%s: deterministic and independent of call order", (kind) => {
    const a = series(runsFor(kind)[0]!);
    const run = runsFor(kind)[0]!;
    const backwards = Array.from({ length: TOTAL }, (_, i) => shapeAt(run, TOTAL - 1 - i, TOTAL)).reverse();
    expect(backwards).toEqual(a);
  });

  it("random depends on the seed, and run.seed is the default", () => {
    const keys = (run: ScenarioRun) => series(run).map(shapeKey);
    const s1 = keys(runsFor("random", 1)[0]!);
    const s2 = keys(runsFor("random", 2)[0]!);
    const differing = s1.filter((k, i) => k !== s2[i]).length;
    expect(differing).toBeGreaterThan(TOTAL / 2);
    expect(keys(runsFor("{ kind: random, seed: 2 }", 1)[0]!)).toEqual(s2);
  });

  it("random draws one value per dim index, so a shared batch dim agrees across inputs", () => {
    for (const shape of series(runsFor("random")[0]!)) {
      expect(shape.tokens![0]).toBe(shape.mask![0]);
      expect(shape.tokens![1]).toBe(shape.mask![1]);
      expect(shape.scale).toEqual([1]);
    }
  });

  it("random covers the whole range about evenly", () => {
    const run = runsFor("random")[0]!;
    const n = 8000;
    const counts = new Array<number>(9).fill(0);
    for (let k = 0; k < n; k++) counts[shapeAt(run, k, n).tokens![0]!]!++;
    expect(counts[0]).toBe(0);
    // 8 values, 1000 expected each; 4.5 standard deviations either way.
    for (let b = 1; b <= 8; b++) expect(Math.abs(counts[b]! - n / 8)).toBeLessThan(4.5 * Math.sqrt((n / 8) * (7 / 8)));
  });

  it("is O(1) in k: far call indices cost no more than near ones", () => {
    const run = runsFor("random")[0]!;
    const far = 2 ** 40;
    const shape = shapeAt(run, far, far + 1);
    expect(shape.tokens![0]).toBeGreaterThanOrEqual(1);
    expect(uniformAt(1, far, 0)).not.toBe(uniformAt(1, far + 2 ** 32, 0));
    expect(uniformAt(1, 5, 0)).not.toBe(uniformAt(1 + 2 ** 32, 5, 0));
  });

  it("fixed feeds opt (or the given shape) every call", () => {
    expect(new Set(series(runsFor("fixed")[0]!).map(shapeKey))).toEqual(new Set(["tokens:4x64;mask:4x64;scale:1"]));
    const given = runsFor("{ kind: fixed, shapes: [{ tokens: [2, 20] }] }")[0]!;
    expect(shapeAt(given, 50, TOTAL)).toEqual({ tokens: [2, 20], mask: [4, 64], scale: [1] });
  });

  it("cycle feeds shapes[k mod n], default min, opt, max", () => {
    const keys = series(runsFor("cycle")[0]!).map(shapeKey);
    expect(keys.slice(0, 4)).toEqual([
      "tokens:1x16;mask:1x16;scale:1",
      "tokens:4x64;mask:4x64;scale:1",
      "tokens:8x128;mask:8x128;scale:1",
      "tokens:1x16;mask:1x16;scale:1",
    ]);
  });

  it("ascending goes from min at the first call to max at the last, never down", () => {
    const s = series(runsFor("ascending")[0]!);
    expect(s[0]!.tokens).toEqual([1, 16]);
    expect(s[TOTAL - 1]!.tokens).toEqual([8, 128]);
    for (let k = 1; k < TOTAL; k++) expect(s[k]!.tokens![1]!).toBeGreaterThanOrEqual(s[k - 1]!.tokens![1]!);
  });

  it("sawtooth ramps min → max over period calls, then restarts", () => {
    const s = series(runsFor("{ kind: sawtooth, period: 7 }")[0]!);
    expect(s[0]!.tokens).toEqual([1, 16]);
    expect(s[6]!.tokens).toEqual([8, 128]);
    expect(s[7]!.tokens).toEqual([1, 16]);
    for (let k = 0; k < TOTAL; k++) expect(s[k]).toEqual(s[k % 7]);
  });
});

describe("shapeKey", () => {
  it("writes name:dims joined by x, inputs joined by ;, like the run protocol", () => {
    const shape = { input: [1, 3, 224, 224], mask: [1, 77] };
    expect(shapeKey(shape)).toBe("input:1x3x224x224;mask:1x77");
    expect(shapeKey(shape)).toBe(protocolShapeKey(shape));
  });
});
