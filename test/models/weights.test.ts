import { describe, expect, it } from "vitest";
import { fillUniform, float16BitsToFloat32, float32ToFloat16Bits, toFloat16 } from "../../src/models/weights.js";

describe("float32ToFloat16Bits", () => {
  it("encodes IEEE 754 binary16 landmarks", () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(0)).toBe(0);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff); // largest finite half
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // rounds up to +Inf
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(float32ToFloat16Bits(2 ** -26)).toBe(0); // underflows
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(float16BitsToFloat32(float32ToFloat16Bits(NaN))).toBeNaN();
  });

  it("rounds to nearest even", () => {
    // 1 + 2^-11 is exactly halfway between 1 and 1 + 2^-10: ties to the even mantissa (1).
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3·2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even).
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it("round-trips every finite half value exactly", () => {
    const mismatches: number[] = [];
    let checked = 0;
    for (let bits = 0; bits < 0x10000; bits++) {
      if (((bits >>> 10) & 0x1f) === 0x1f) continue; // Inf / NaN
      checked++;
      if (float32ToFloat16Bits(float16BitsToFloat32(bits)) !== bits) mismatches.push(bits);
    }
    expect(checked).toBe(0x10000 - 2 * 0x400);
    expect(mismatches).toEqual([]);
  });
});

describe("fillUniform", () => {
  it("is deterministic per (seed, name), bounded, and roughly uniform", () => {
    const a = new Float32Array(100_000);
    const b = new Float32Array(100_000);
    const c = new Float32Array(100_000);
    fillUniform(a, 7, "w", 0.5);
    fillUniform(b, 7, "w", 0.5);
    fillUniform(c, 7, "v", 0.5);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    let sum = 0;
    let sumSq = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of a) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      sumSq += v * v;
    }
    expect(min).toBeGreaterThanOrEqual(-0.5);
    expect(max).toBeLessThan(0.5);
    // Uniform(-l, l): mean 0, variance l²/3.
    expect(Math.abs(sum / a.length)).toBeLessThan(0.01);
    expect(sumSq / a.length).toBeCloseTo(0.25 / 3, 2);
    expect(toFloat16(a).length).toBe(a.length);
  });
});
