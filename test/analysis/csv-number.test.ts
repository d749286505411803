import { describe, expect, it } from "vitest";
import { parseNumberBytes } from "../../src/analysis/csv-number.js";
import { mulberry32 } from "../../src/analysis/stats/prng.js";

const parse = (s: string) => {
  const b = Buffer.from(s);
  return parseNumberBytes(b, 0, b.length);
};

describe("parseNumberBytes", () => {
  it("agrees with Number() on integers, decimals, exponents and signs", () => {
    const rng = mulberry32(12);
    const samples = [
      "0",
      "-0",
      "+7",
      "1e3",
      "1.5E-3",
      " 42 ",
      "\t3.25",
      "9007199254740991",
      "12345678901234567890",
      "0.1",
      "123.456",
      ".5",
      "5.",
      "1e400",
    ];
    for (let k = 0; k < 2000; k++) {
      const v = (rng() - 0.5) * 10 ** Math.floor(rng() * 14);
      samples.push(String(v), v.toFixed(Math.floor(rng() * 6)), String(Math.round(v)));
    }
    for (const s of samples) {
      const want = Number(s);
      expect(parse(s), s).toBe(Number.isFinite(want) ? want : NaN);
    }
  });

  it("rejects what is not a number", () => {
    for (const s of ["", "  ", "abc", "12x", "1e", "--1", "1,2", "NaN", "Infinity", "."])
      expect(parse(s), JSON.stringify(s)).toBeNaN();
  });
});
