/**
 * profile.inputs.<name>.values in every engine: the ONNX Runtime engine's fill, the process
 * engine's hello (read back through the Python helper in a real worker), and the native
 * addon's parsing of the profile it is given.
 */
import { engineInit } from "../../src/run/create-driver.js";
import { afterEach, describe, expect, it } from "vitest";
import { seededInput } from "../../src/engines/onnxruntime/engine.js";
import { createProcessEngine, type ProcessEngine } from "../../src/engines/process/engine.js";
import { loadAddon } from "../../src/native/binding.js";
import type { InputProfile, InputValues } from "../../src/scenarios/types.js";
import { REPO_ROOT, processScenario } from "./process-fixtures.js";

type Dtype = InputProfile["dtype"];
const numbers = (a: ArrayLike<number | bigint>): number[] => Array.from(a as ArrayLike<number | bigint>, Number);
/** float16 bits → value (normal and zero only: what these tests produce). */
const half = (bits: number): number =>
  bits === 0 ? 0 : (bits & 0x8000 ? -1 : 1) * 2 ** (((bits >> 10) & 0x1f) - 15) * (1 + (bits & 0x3ff) / 1024);

describe("onnxruntime engine: seededInput", () => {
  it("without values keeps the default fill: floats in [-1, 1), integers in [0, 100)", () => {
    const f = numbers(seededInput({ dtype: "float32" }, 5000, 1, "x"));
    expect(Math.min(...f)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...f)).toBeLessThan(1);
    expect(Math.min(...f)).toBeLessThan(-0.9);
    for (const dtype of ["int32", "int64"] as const) {
      const v = numbers(seededInput({ dtype }, 5000, 1, "ids"));
      expect(new Set(v)).toEqual(new Set(Array.from({ length: 100 }, (_, i) => i)));
    }
  });

  it.each(["int32", "int64"] as const)(
    "%s { min, max }: integers covering [min, max] evenly, both ends included",
    (dtype) => {
      const out = seededInput({ dtype, values: { min: 3, max: 12 } }, 20_000, 7, "ids");
      expect(out).toBeInstanceOf(dtype === "int32" ? Int32Array : BigInt64Array);
      const v = numbers(out);
      const counts = new Map<number, number>();
      for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      // 2000 expected per value; ±5 standard deviations (about 212).
      for (const n of counts.values()) expect(Math.abs(n - 2000)).toBeLessThan(212);
    },
  );

  it("int64 range wider than 2^32 values reaches across the whole range", () => {
    const lo = -(2 ** 40);
    const hi = 2 ** 40;
    const v = numbers(seededInput({ dtype: "int64", values: { min: lo, max: hi } }, 4000, 1, "ids"));
    for (const x of v) {
      expect(Number.isInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(lo);
      expect(x).toBeLessThanOrEqual(hi);
    }
    expect(Math.max(...v) - Math.min(...v)).toBeGreaterThan(2 ** 40);
  });

  it("float { min, max }: uniform within the range, float16 too", () => {
    const f = numbers(seededInput({ dtype: "float32", values: { min: -0.25, max: 4 } }, 5000, 1, "x"));
    expect(Math.min(...f)).toBeGreaterThanOrEqual(-0.25);
    expect(Math.max(...f)).toBeLessThanOrEqual(4);
    expect(Math.min(...f)).toBeLessThan(-0.2);
    expect(Math.max(...f)).toBeGreaterThan(3.9);
    const h = numbers(seededInput({ dtype: "float16", values: { min: 10, max: 20 } }, 2000, 1, "x")).map(half);
    expect(Math.min(...h)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...h)).toBeLessThanOrEqual(20);
  });

  const fills: Array<[InputValues, number]> = [
    ["ones", 1],
    ["zeros", 0],
    [{ min: 5, max: 5 }, 5],
  ];
  for (const [values, want] of fills) {
    it.each(["float32", "float16", "int32", "int64"] as Dtype[])(
      `${JSON.stringify(values)} in %s: every element ${want}`,
      (dtype) => {
        const v = numbers(seededInput({ dtype, values }, 64, 1, "m"));
        expect(new Set(dtype === "float16" ? v.map(half) : v)).toEqual(new Set([want]));
      },
    );
  }

  it("deterministic, a longer buffer starts with a shorter one's values, and the seed matters", () => {
    const spec = { dtype: "int64" as const, values: { min: 0, max: 50256 } };
    expect(numbers(seededInput(spec, 100, 1, "ids"))).toEqual(numbers(seededInput(spec, 300, 1, "ids")).slice(0, 100));
    expect(numbers(seededInput(spec, 100, 1, "ids"))).not.toEqual(numbers(seededInput(spec, 100, 2, "ids")));
    expect(numbers(seededInput(spec, 100, 1, "ids"))).not.toEqual(numbers(seededInput(spec, 100, 1, "other")));
  });
});

describe("process engine: hello carries values", () => {
  let engine: ProcessEngine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  it("per input, null when unset; the Python helper builds values from it", async () => {
    // A worker that reports, as its versions, what input_values / sample_values made of hello.
    const code = [
      "import json, sys",
      `sys.path.insert(0, ${JSON.stringify(`${REPO_ROOT}python`)})`,
      "from vramgate_worker import Worker, input_values, sample_values",
      "class W(Worker):",
      "    name = 'values-probe'",
      "    def load(self, config):",
      "        self.seen = {n: json.dumps([config['profile'][n]['values'], input_values(config, n), sample_values(config, n, 6)]) for n in config['profile']}",
      "    def versions(self):",
      "        return self.seen",
      "    def infer(self, shape):",
      "        pass",
      "W().serve()",
    ].join("\n");
    const scenario = processScenario({ command: ["python3", "-c", code] });
    scenario.profile = {
      ids: { min: [1, 16], opt: [2, 16], max: [4, 16], dtype: "int64", values: { min: 7, max: 9 } },
      mask: { min: [1, 16], opt: [2, 16], max: [4, 16], dtype: "int64", values: "ones" },
      x: { min: [1, 16], opt: [2, 16], max: [4, 16], dtype: "float32" },
    };
    engine = createProcessEngine(engineInit(scenario, "fp32", "persistent", "/nonexistent/model.onnx"), {
      stderr: "quiet",
    });
    await engine.load();
    const seen = engine.versions();
    const [idsSent, idsSpec, ids] = JSON.parse(seen.ids!) as [unknown, unknown, number[]];
    expect(idsSent).toEqual({ min: 7, max: 9 });
    expect(idsSpec).toEqual({ min: 7, max: 9 });
    expect(ids).toHaveLength(6);
    for (const v of ids) expect([7, 8, 9]).toContain(v);
    expect(JSON.parse(seen.mask!)).toEqual(["ones", { min: 1, max: 1 }, [1, 1, 1, 1, 1, 1]]);
    expect(JSON.parse(seen.x!)).toEqual([null, null, null]);
  });
});

const addon = loadAddon();
describe.skipIf(!addon)("native addon: the profile's values", () => {
  const profile = (values: unknown) => [{ name: "x", min: [1, 8], opt: [2, 8], max: [4, 8], dtype: "int64", values }];
  const make = (values: unknown) => new addon!.NativeEngine("host", { profile: profile(values) as never });

  it("accepts { min, max }, ones, zeros and no values", () => {
    for (const values of [{ min: 0, max: 50256 }, "ones", "zeros", undefined, { min: -1.5, max: 2.5 }]) {
      expect(() => make(values)).not.toThrow();
    }
  });

  it("refuses malformed values with the field named: RangeError for a wrong value, TypeError for a wrong type", () => {
    expect(() => make({ min: 3, max: 1 })).toThrow(RangeError);
    expect(() => make({ min: 3, max: 1 })).toThrow(
      /config\.profile\[0\]\.values\.min <= config\.profile\[0\]\.values\.max/,
    );
    expect(() => make("twos")).toThrow(RangeError);
    expect(() => make("twos")).toThrow(
      /Expected "ones", "zeros" or \{ min, max \} for config\.profile\[0\]\.values but received "twos"/,
    );
    expect(() => make({ min: "0", max: 1 })).toThrow(TypeError);
    expect(() => make({ min: "0", max: 1 })).toThrow(/config\.profile\[0\]\.values\.min/);
    expect(() => make([0, 1])).toThrow(TypeError);
    expect(() => make({ min: 0, max: Infinity })).toThrow(/finite number for config\.profile\[0\]\.values\.max/);
  });
});
