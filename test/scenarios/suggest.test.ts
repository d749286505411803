import { describe, expect, it } from "vitest";
import { closest, didYouMean, editDistance } from "../../src/scenarios/suggest.js";
import { STRATEGIES } from "../../src/scenarios/types.js";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent swaps", () => {
    expect(editDistance("", "")).toBe(0);
    expect(editDistance("abc", "abc")).toBe(0);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("persistant", "persistent")).toBe(1);
    expect(editDistance("fp61", "fp16")).toBe(1);
    expect(editDistance("iteration", "iterations")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
  it("is symmetric", () => {
    for (const [a, b] of [
      ["scoped", "scope"],
      ["teardown", "tear-down"],
      ["abc", "xyz"],
    ] as const) {
      expect(editDistance(a, b)).toBe(editDistance(b, a));
    }
  });
});

describe("closest / didYouMean", () => {
  it("suggests near misses, prefixes, and a unique shared start", () => {
    expect(closest("persistant", STRATEGIES)).toBe("persistent");
    expect(closest("Scoped", STRATEGIES)).toBe("scoped");
    expect(closest("persist", STRATEGIES)).toBe("persistent");
    expect(closest("onnxrt", ["onnxruntime", "libtorch", "tensorrt", "process"])).toBe("onnxruntime");
    expect(didYouMean("tear-down", STRATEGIES)).toBe('Did you mean "teardown"?');
  });
  it("stays quiet for unrelated words", () => {
    expect(closest("banana", STRATEGIES)).toBeUndefined();
    expect(closest("x", ["fixed", "cycle"])).toBeUndefined();
    expect(didYouMean("zzz", STRATEGIES)).toBeUndefined();
  });
});
