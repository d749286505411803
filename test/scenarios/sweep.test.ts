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
import { planShards } from "../../src/scenarios/shard.js";

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
      // The reference combination again, last, once per sequence: the drift between runs.
      "s/fixed/fp32/intraOpThreads=1#repeat",
      "s/cycle/fp32/intraOpThreads=1#repeat",
    ]);
    for (const r of runs) {
      expect(r.key).toContain(`intraOpThreads=${r.scenario.onnxruntime.intraOpThreads}`);
      expect(r.scenario.sweep).toBeUndefined();
      expect(r.scenario.sweepPoint).toEqual(r.sweep);
    }
    expect(runs.map((r) => r.sweep!.index)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 0, 0]);
    expect(runs.map((r) => r.repeatOf)).toEqual([
      ...new Array(8).fill(undefined),
      "s/fixed/fp32/intraOpThreads=1",
      "s/cycle/fp32/intraOpThreads=1",
    ]);
    expect(runs.slice(8).map((r) => r.sweep!.repeat)).toEqual([true, true]);
    expect(runs[8]!.scenario.onnxruntime.intraOpThreads).toBe(1);
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
      ["s/fixed/fp32/profile=default#repeat", [2, 3, 32, 32]],
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
    ).toEqual([
      "s/cycle/fp32/intraOpThreads=1",
      "s/cycle/fp32/intraOpThreads=2",
      "s/cycle/fp32/intraOpThreads=1#repeat",
    ]);
    const list =
      "sweep:\n  list:\n    - { sequence: fixed, onnxruntime.intraOpThreads: 2 }\n    - { sequence: cycle, precision: fp16 }\n";
    expect(expandScenario(parse(list)).map((r) => r.key)).toEqual([
      "s/fixed/fp32/intraOpThreads=2",
      "s/cycle/fp16",
      "s/fixed/fp32/intraOpThreads=2#repeat",
    ]);
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
      ["s/fixed/fp32/lean#repeat", "fp32", false],
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
      ["p/fixed/fp32/PYTHONPATH=/opt/a#repeat", { KEEP: "1", PYTHONPATH: "/opt/a" }],
    ]);
    expect(problem('sweep:\n  process.env: ["x"]\n', base)).toContain("expected one variable of process.env");
  });
});

describe("sweep: the reference repeated last", () => {
  const one = BASE.replace("[fixed, cycle]", "fixed");
  it("is off with repeatReference: false, and absent with one combination", () => {
    const off = expandScenario(parse("sweep:\n  repeatReference: false\n  onnxruntime.intraOpThreads: [1, 2]\n", one));
    expect(off.map((r) => r.key)).toEqual(["s/fixed/fp32/intraOpThreads=1", "s/fixed/fp32/intraOpThreads=2"]);
    const single = expandScenario(parse("sweep:\n  onnxruntime.intraOpThreads: [2]\n", one));
    expect(single.map((r) => r.key)).toEqual(["s/fixed/fp32/intraOpThreads=2"]);
  });

  it("repeats only the first precision of the reference combination (the analysis's reference)", () => {
    const runs = expandScenario(parse("precision: [fp32, fp16]\nsweep:\n  onnxruntime.intraOpThreads: [1, 2]\n", one));
    expect(runs.map((r) => r.key)).toEqual([
      "s/fixed/fp32/intraOpThreads=1",
      "s/fixed/fp16/intraOpThreads=1",
      "s/fixed/fp32/intraOpThreads=2",
      "s/fixed/fp16/intraOpThreads=2",
      "s/fixed/fp32/intraOpThreads=1#repeat",
    ]);
  });

  it("counts in the cap, and says so", () => {
    expect(problem("sweep:\n  max: 2\n  onnxruntime.intraOpThreads: [1, 2]\n", one)).toContain(
      "sweep.max: expected at most 2 runs (sweep.max), found 2 = 2 runs + 1 repeat of the reference (sweep.repeatReference) = 3 runs.",
    );
    expect(
      expandScenario(parse("sweep:\n  max: 2\n  repeatReference: false\n  onnxruntime.intraOpThreads: [1, 2]\n", one)),
    ).toHaveLength(2);
    expect(problem("sweep:\n  max: 2\n  list: [{ precision: fp16 }, { precision: fp32 }]\n", one)).toContain(
      "found 2 combinations → 3 runs (each runs the sequences and precisions it does not set; 1 repeat of the reference",
    );
  });

  it("stays in the shard of the run it repeats", () => {
    const runs = expandScenario(parse("sweep:\n  onnxruntime.intraOpThreads: [1, 2, 3, 4]\n"));
    for (const count of [2, 3, 4, 7]) {
      const shards = planShards(runs, count);
      expect(shards.flat()).toHaveLength(runs.length);
      for (const r of runs.filter((x) => x.repeatOf)) {
        const home = shards.findIndex((sh) => sh.some((x) => x.key === r.key));
        expect(shards[home]!.map((x) => x.key)).toContain(r.repeatOf);
        // In run order: the repeat after its reference.
        const keys = shards[home]!.map((x) => x.key);
        expect(keys.indexOf(r.key)).toBeGreaterThan(keys.indexOf(r.repeatOf!));
      }
    }
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
    // One combination: nothing to compare across runs, so no repeat of the reference.
    expect(
      onlyRuns([s()], "intraOpThreads=1")
        .flatMap(expandScenario)
        .map((r) => r.key),
    ).toEqual(["s/fixed/fp32/intraOpThreads=1", "s/cycle/fp32/intraOpThreads=1"]);
  });

  it("refuses a key that names nothing, suggesting the closest", () => {
    expect(() => onlyRuns([s()], "s/cycle/fp32/intraOpThreads=33")).toThrow(
      /expected a run key or a sweep combination's key.*Did you mean "s\/cycle\/fp32\/intraOpThreads=3"/,
    );
  });
});
