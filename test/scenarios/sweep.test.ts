/**
 * `sweep:` parsing and expansion: the product and list forms, profile variants, precision
 * and environment axes, each combination applied to its run's scenario under a readable key;
 * the mistakes the malformed corpus does not cover; `--only` narrowing.
 */
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { expandScenario } from "../../src/scenarios/expand.js";
import { onlyRuns } from "../../src/scenarios/only.js";
import { parseScenario } from "../../src/scenarios/parse.js";

const BASE = `name: s
model: { generate: resnet18 }
engine: onnxruntime
profile:
  inputs:
    input: { min: [1, 3, 32, 32], opt: [2, 3, 32, 32], max: [4, 3, 32, 32] }
  sequence: [fixed, cycle]
strategies: [persistent, scoped]
`;
const parse = (extra: string, base = BASE) => parseScenario(base + extra, "/tmp/s.yaml");
function problem(extra: string, base = BASE): string {
  try {
    parse(extra, base);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error("parsed");
}

describe("sweep: product form", () => {
  it("runs sequences × combinations with the options applied and readable keys", () => {
    const runs = expandScenario(parse("sweep:\n  precision: [fp32, fp16]\n  onnxruntime.intraOpThreads: [1, 3]\n"));
    expect(runs.map((r) => r.key)).toEqual([
      "s/fixed/fp32/intraOpThreads=1",
      "s/cycle/fp32/intraOpThreads=1",
      "s/fixed/fp32/intraOpThreads=3",
      "s/cycle/fp32/intraOpThreads=3",
      "s/fixed/fp16/intraOpThreads=1",
      "s/cycle/fp16/intraOpThreads=1",
      "s/fixed/fp16/intraOpThreads=3",
      "s/cycle/fp16/intraOpThreads=3",
    ]);
    for (const r of runs) {
      expect(r.key).toContain(`intraOpThreads=${r.scenario.onnxruntime.intraOpThreads}`);
      expect(r.scenario.sweep).toBeUndefined();
      expect(r.scenario.sweepPoint).toEqual(r.sweep);
    }
    expect(runs.map((r) => r.sweep!.index)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });

  it("sweeps profile variants beside the scenario's own profile", () => {
    const runs = expandScenario(
      parse(
        "sweep:\n  profiles:\n    static: { input: { shape: [4, 3, 32, 32] } }\n",
        BASE.replace("[fixed, cycle]", "fixed"),
      ),
    );
    expect(runs.map((r) => [r.key, r.scenario.profile.input!.opt])).toEqual([
      ["s/fixed/fp32/profile=default", [2, 3, 32, 32]],
      ["s/fixed/fp32/profile=static", [4, 3, 32, 32]],
    ]);
  });

  it("refuses a repeated value, a profile axis without variants, and axes beside list", () => {
    expect(problem("sweep:\n  onnxruntime.intraOpThreads: [1, 1]\n")).toContain(
      'sweep["onnxruntime.intraOpThreads"][1]: expected each value once, found 1 again',
    );
    expect(problem("sweep:\n  profile: [default]\n")).toContain("expected profile only beside sweep.profiles");
    expect(problem("sweep:\n  precision: [fp16]\n  list: [{ precision: fp32 }]\n")).toContain(
      "expected either axes (a product) or list: (combinations written out), not both",
    );
    expect(problem("sweep:\n  precision: [fp8x]\n")).toContain("sweep.precision[0]: expected one of");
  });
});

describe("sweep: sequence axis", () => {
  it("picks sequences by label, in the product and in written combinations", () => {
    expect(
      expandScenario(parse("sweep:\n  sequence: [cycle]\n  onnxruntime.intraOpThreads: [1, 2]\n")).map((r) => r.key),
    ).toEqual(["s/cycle/fp32/intraOpThreads=1", "s/cycle/fp32/intraOpThreads=2"]);
    const list =
      "sweep:\n  list:\n    - { sequence: fixed, onnxruntime.intraOpThreads: 2 }\n    - { sequence: cycle, precision: fp16 }\n";
    expect(expandScenario(parse(list)).map((r) => r.key)).toEqual(["s/fixed/fp32/intraOpThreads=2", "s/cycle/fp16"]);
  });

  it("refuses a label no sequence has, suggesting the closest", () => {
    expect(problem("sweep:\n  sequence: [cycel]\n")).toContain(
      'sweep.sequence[0]: expected the label of one of profile.sequence (fixed, cycle), found "cycel". Did you mean "cycle"?',
    );
  });
});

describe("sweep: list form", () => {
  it("runs the combinations written, `name` as their key", () => {
    const runs = expandScenario(
      parse(
        "sweep:\n  list:\n    - { name: lean, onnxruntime.enableCpuMemArena: false }\n    - { precision: fp16 }\n",
        BASE.replace("[fixed, cycle]", "fixed"),
      ),
    );
    expect(runs.map((r) => [r.key, r.precision, r.scenario.onnxruntime.enableCpuMemArena])).toEqual([
      ["s/fixed/fp32/lean", "fp32", false],
      ["s/fixed/fp16", "fp16", undefined],
    ]);
  });

  it("locates a bad value inside an entry", () => {
    expect(problem("sweep:\n  list:\n    - { onnxruntime.intraOpThreads: 0 }\n")).toMatch(
      /s\.yaml:11:37: sweep\.list\[0\]\["onnxruntime\.intraOpThreads"\]: expected at least 1, found 0/,
    );
  });
});

describe("sweep: process environment", () => {
  it("sets one variable of the worker's environment per combination, the others kept", () => {
    const base = `name: p
engine: process
process: { command: [python3, w.py], env: { KEEP: "1" } }
profile: { inputs: { x: { shape: [1] } }, sequence: fixed }
`;
    const runs = expandScenario(parse('sweep:\n  process.env.PYTHONPATH: ["/opt/a", "/opt/b"]\n', base));
    expect(runs.map((r) => [r.key, r.scenario.process!.env])).toEqual([
      ["p/fixed/fp32/PYTHONPATH=/opt/a", { KEEP: "1", PYTHONPATH: "/opt/a" }],
      ["p/fixed/fp32/PYTHONPATH=/opt/b", { KEEP: "1", PYTHONPATH: "/opt/b" }],
    ]);
    expect(problem('sweep:\n  process.env: ["x"]\n', base)).toContain("expected one variable of process.env");
  });
});

describe("--only", () => {
  const s = () => parse("sweep:\n  onnxruntime.intraOpThreads: [1, 3]\n");
  it("narrows to one run key, or to every run of one combination", () => {
    expect(
      onlyRuns([s()], "s/cycle/fp32/intraOpThreads=3")
        .flatMap(expandScenario)
        .map((r) => r.key),
    ).toEqual(["s/cycle/fp32/intraOpThreads=3"]);
    expect(
      onlyRuns([s()], "intraOpThreads=3")
        .flatMap(expandScenario)
        .map((r) => r.key),
    ).toEqual(["s/fixed/fp32/intraOpThreads=3", "s/cycle/fp32/intraOpThreads=3"]);
  });

  it("refuses a key that names nothing, suggesting the closest", () => {
    expect(() => onlyRuns([s()], "s/cycle/fp32/intraOpThreads=33")).toThrow(
      /expected a run key or a sweep combination's key.*Did you mean "s\/cycle\/fp32\/intraOpThreads=3"/,
    );
  });
});
