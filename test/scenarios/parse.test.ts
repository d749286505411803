import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { RESNET_INPUT } from "../../src/models/resnet.js";
import { expandScenario } from "../../src/scenarios/expand.js";
import { loadScenario, parseScenario } from "../../src/scenarios/parse.js";
import { GENERATED_INPUT } from "../../src/scenarios/resolve.js";
import type { Scenario } from "../../src/scenarios/types.js";
import { DataType, writeTinyModel } from "./tiny-model.js";

const VALID = "test/fixtures/scenarios/valid";
const tmp = mkdtempSync(join(tmpdir(), "vramgate-scenarios-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function problemsOf(text: string, file = join(tmp, "x.yaml")): InputError {
  try {
    parseScenario(text, file);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("parsed without an error");
}

const BASE = `name: t
model: { generate: resnet18 }
engine: onnxruntime
profile:
  inputs:
    input: { min: [1, 3, 32, 32], opt: [2, 3, 32, 32], max: [4, 3, 32, 32] }
`;

describe("scenarios/resnet.yaml (the default scenario)", () => {
  it("parses to a CPU onnxruntime run of a generated ResNet-18 with three strategies", async () => {
    const s = await loadScenario("scenarios/resnet.yaml");
    expect(s.file).toBe(resolve("scenarios/resnet.yaml"));
    expect(s.model).toEqual({ kind: "generate", arch: "resnet18", seed: 1 });
    expect(s.engine).toBe("onnxruntime");
    expect(s.onnxruntime.executionProvider).toBe("cpu");
    expect(s.precisions).toEqual(["fp32"]);
    expect(s.strategies).toEqual(["persistent", "teardown", "scoped"]);
    expect(s.baseline).toBe("scoped");
    expect(s.profile.input!.min[0]).toBe(1);
    expect(s.profile.input!.max[0]).toBe(4);
    expect(s.sequences.map((q) => q.kind)).toEqual(["random"]);
    expect(s.run.iterations % s.run.rounds).toBe(0);
    expect(s.gate.allow).toEqual({ persistent: ["plateau"], teardown: ["plateau"], scoped: ["plateau"] });
    expect(expandScenario(s).map((r) => r.key)).toEqual(["resnet18-cpu/random/fp32"]);
  });

  it("starts with the yaml-language-server schema comment", async () => {
    const { readFileSync } = await import("node:fs");
    expect(readFileSync("scenarios/resnet.yaml", "utf8").split("\n")[0]).toBe(
      "# yaml-language-server: $schema=../schema/scenario.schema.json",
    );
  });
});

describe("defaults", () => {
  it("fills every Scenario field for a minimal file", async () => {
    const s = await loadScenario(`${VALID}/minimal.yaml`);
    const expected: Omit<Scenario, "file"> = {
      name: "minimal",
      model: { kind: "generate", arch: "resnet18", seed: 1 },
      engine: "onnxruntime",
      precisions: ["fp32"],
      profile: { input: { min: [1, 3, 32, 32], opt: [1, 3, 32, 32], max: [1, 3, 32, 32], dtype: "float32" } },
      sequences: [{ kind: "random", seed: 1, label: "random" }],
      strategies: ["persistent", "teardown", "scoped"],
      baseline: "scoped",
      run: {
        warmup: 10,
        iterations: 200,
        rounds: 5,
        maxDurationS: 600,
        seed: 1,
        watchdogS: 120,
        replay: "auto",
        confirm: {},
      },
      memory: { intervalMs: 1, device: 0 },
      gate: { leak: "fail", shapeGrowth: "warn", allow: {}, minSpeedup: {} },
      faults: {},
      onnxruntime: { executionProvider: "cpu" },
      tensorrt: { allocationStrategy: "static", cudaGraph: false, perShapePoolSize: 8 },
      libtorch: { cudaGraph: false, perShapePoolSize: 8, env: {} },
    };
    expect(s).toEqual({ file: resolve(`${VALID}/minimal.yaml`), ...expected });
  });

  it("keeps every field of a file that gives them all", async () => {
    const s = await loadScenario(`${VALID}/full.yaml`);
    expect(s.description).toBe("every field given");
    expect(s.model).toEqual({ kind: "generate", arch: "resnet34", seed: 7 });
    expect(s.precisions).toEqual(["fp16", "fp32"]);
    expect(s.profile.input!.dtype).toBe("float32");
    expect(s.baseline).toBe("teardown");
    expect(s.run).toEqual({
      warmup: 4,
      iterations: 40,
      rounds: 4,
      maxDurationS: 60,
      seed: 9,
      watchdogS: 30,
      replay: "auto",
      confirm: {},
    });
    expect(s.memory).toEqual({ intervalMs: 0.5, device: 1 });
    expect(s.gate).toEqual({
      leak: "warn",
      shapeGrowth: "warn",
      allow: { persistent: ["plateau", "inconclusive"] },
      maxResidualMiB: 64,
      minSpeedup: { persistent: 1.5 },
      maxSlowdown: 0.1,
      maxPeakMiB: 4096,
      maxRegression: 0.1,
      maxMemoryIncrease: 0.2,
    });
    expect(s.faults).toEqual({ leakBytesPerIteration: 1048576, retainOutputsEvery: 10 });
    expect(s.tensorrt).toEqual({
      workspaceMiB: 1024,
      builderOptimizationLevel: 3,
      allocationStrategy: "on-profile-change",
      cudaGraph: true,
      perShapePoolSize: 4,
      tacticSources: ["edge_mask_convolutions", "jit_convolutions"],
      cacheDir: resolve(VALID, "../cache"),
      logLevel: "info",
    });
  });

  it("fills sequence defaults and makes labels unique", async () => {
    const s = await loadScenario(`${VALID}/full.yaml`);
    const opt = { input: [4, 3, 64, 64] };
    expect(s.sequences).toEqual([
      { kind: "fixed", shapes: [opt], label: "fixed" },
      { kind: "cycle", shapes: [{ input: [1, 3, 64, 64] }, { input: [8, 3, 128, 128] }], label: "extremes" },
      { kind: "random", seed: 3, label: "random" },
      { kind: "random", seed: 9, label: "random-2" },
      { kind: "ascending", label: "ascending" },
      { kind: "sawtooth", period: 4, label: "sawtooth" },
    ]);
    const cycle = parseScenario(`${BASE}  sequence: cycle\n`, join(tmp, "c.yaml")).sequences[0]!;
    expect(cycle.shapes).toEqual([{ input: [1, 3, 32, 32] }, { input: [2, 3, 32, 32] }, { input: [4, 3, 32, 32] }]);
    const saw = parseScenario(`${BASE}  sequence: sawtooth\n`, join(tmp, "s.yaml")).sequences[0]!;
    expect(saw.period).toBe(16);
  });

  it("avoids a user label when suffixing repeated kinds", () => {
    const s = parseScenario(
      `${BASE}  sequence: [random, { kind: random, seed: 5 }, { kind: cycle, label: random-2 }]\n`,
      join(tmp, "l.yaml"),
    );
    const labels = s.sequences.map((q) => q.label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toEqual(["random", "random-3", "random-2"]);
  });
});

describe("paths", () => {
  it("resolves model and cwd against the YAML's folder, and fills partial shape maps in input order", async () => {
    const s = await loadScenario(`${VALID}/process.yaml`);
    expect(s.model).toEqual({
      kind: "file",
      path: "worker/model.onnx",
      resolvedPath: resolve(VALID, "worker/model.onnx"),
    });
    expect(s.process).toEqual({
      command: ["python3", "worker.py"],
      cwd: resolve(VALID, "worker"),
      env: { LEAK_BYTES: "0" },
      replyTimeoutS: 20,
    });
    expect(Object.keys(s.profile)).toEqual(["tokens", "mask"]);
    expect(s.sequences[0]!.shapes).toEqual([{ tokens: [2, 32], mask: [2, 32] }]);
    expect(Object.keys(s.sequences[0]!.shapes![0]!)).toEqual(["tokens", "mask"]);
  });

  it("accepts model as a string or { path }, relative to the file wherever the process runs", () => {
    const dir = join(tmp, "nested", "deeper");
    mkdirSync(join(dir, "m"), { recursive: true });
    writeTinyModel(join(dir, "m", "net.onnx"), [{ name: "x", elemType: DataType.FLOAT }]);
    for (const model of ["m/net.onnx", "{ path: m/net.onnx }", "./m/../m/net.onnx"]) {
      const s = parseScenario(
        BASE.replace("{ generate: resnet18 }", model).replace(
          /profile:[\s\S]*/,
          "profile: { inputs: { x: { shape: [1, 8] } } }\n",
        ),
        join(dir, "s.yaml"),
      );
      expect(s.model.kind === "file" && s.model.resolvedPath).toBe(join(dir, "m", "net.onnx"));
    }
  });

  it("reports a model path that is a folder", () => {
    const err = problemsOf(BASE.replace("{ generate: resnet18 }", "."));
    expect(err.problems[0]!.found).toContain("a folder");
  });
});

describe("an ONNX model file against the profile", () => {
  const dir = join(tmp, "onnx");
  mkdirSync(dir, { recursive: true });
  writeTinyModel(join(dir, "two.onnx"), [
    { name: "input_ids", elemType: DataType.INT64 },
    { name: "attention_mask", elemType: DataType.INT64 },
  ]);
  const scenario = (inputs: string, engine = "onnxruntime") =>
    `name: t\nmodel: two.onnx\nengine: ${engine}\nprofile:\n  inputs:\n${inputs}`;
  const ids = "    input_ids: { min: [1, 8], opt: [2, 8], max: [4, 8], dtype: int64 }\n";
  const mask = "    attention_mask: { min: [1, 8], opt: [2, 8], max: [4, 8], dtype: int64 }\n";

  it("accepts a profile that names every model input with its type", () => {
    const s = parseScenario(scenario(ids + mask), join(dir, "ok.yaml"));
    expect(Object.keys(s.profile)).toEqual(["input_ids", "attention_mask"]);
  });

  it("reports a misnamed input at its key, with the model's names", () => {
    const err = problemsOf(scenario(ids + mask.replace("attention_mask", "atention_mask")), join(dir, "bad.yaml"));
    expect(err.message.split("\n")).toEqual([
      `${join(dir, "bad.yaml")}:6:5: profile.inputs: expected an entry for every model input (input_ids, attention_mask), found none for "attention_mask".`,
      `${join(dir, "bad.yaml")}:7:5: profile.inputs.atention_mask: expected an input of the model (input_ids, attention_mask), found input "atention_mask". Did you mean "attention_mask"?`,
    ]);
  });

  it("reports a dtype that differs from the model's", () => {
    const err = problemsOf(scenario(ids + mask.replace(", dtype: int64", "")), join(dir, "bad.yaml"));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({
      line: 7,
      col: 21,
      path: "profile.inputs.attention_mask.dtype",
      expected: 'dtype int64, the model\'s type for "attention_mask"',
      found: "float32",
    });
  });

  it("reports a .onnx file that is not ONNX, and leaves process workers' files alone", () => {
    writeFileSync(join(dir, "text.onnx"), "not a model\n");
    const text = scenario(ids + mask).replace("two.onnx", "text.onnx");
    expect(problemsOf(text, join(dir, "bad.yaml")).problems[0]).toMatchObject({
      line: 2,
      col: 8,
      expected: "an ONNX model file",
    });
    const asProcess = text.replace("engine: onnxruntime", "engine: process\nprocess: { command: [w] }");
    expect(parseScenario(asProcess, join(dir, "p.yaml")).model).toMatchObject({ kind: "file", path: "text.onnx" });
  });
});

describe("process engine", () => {
  it("may leave model out: the worker loads its own", () => {
    const s = parseScenario(
      "name: w\nengine: process\nprocess: { command: [python3, w.py] }\nprofile: { inputs: { x: { shape: [2, 8] } } }\n",
      join(tmp, "w.yaml"),
    );
    expect(s.model).toEqual({ kind: "none" });
    expect(s.process).toEqual({ command: ["python3", "w.py"], env: {} });
  });

  it.each(["examples/cpu/worker.yaml", "examples/torch/leaky.yaml", "examples/torch/fixed.yaml"])(
    "%s parses",
    async (file) => {
      const s = await loadScenario(file);
      expect(s.engine).toBe("process");
      expect(expandScenario(s).length).toBeGreaterThan(0);
    },
  );
});

describe("reporting", () => {
  it("reports every problem in one error, in file order", () => {
    const err = problemsOf(`name: t
model: { generate: resnet18 }
engine: onnxruntime
precision: fp33
profile:
  inputs:
    input: { min: [4, 3, 32, 32], opt: [2, 3, 32, 32], max: [1, 3, 32, 32] }
strategies: [persistent, persistent, scoped]
run: { iterations: 2, rounds: 4 }
tensorrt: {}
`);
    expect(err.problems.map((p) => `${p.line}:${p.path}`)).toEqual([
      "4:precision",
      "7:profile.inputs.input.max[0]",
      "8:strategies[1]",
      "9:run.iterations",
      "10:tensorrt",
    ]);
    expect(err.message.split("\n")).toHaveLength(5);
  });

  it("accepts YAML anchors and merge keys", () => {
    const s = parseScenario(
      `${BASE.replace(/profile:[\s\S]*/, "")
        .replace("engine: onnxruntime", "engine: process\nprocess: { command: [w] }")
        .replace(
          /model:.*\n/,
          "",
        )}profile:\n  inputs:\n    a: &range { min: [1, 8], opt: [2, 8], max: [4, 8] }\n    b: { <<: *range, dtype: int64 }\n`,
      join(tmp, "m.yaml"),
    );
    expect(s.profile.b).toEqual({ min: [1, 8], opt: [2, 8], max: [4, 8], dtype: "int64" });
  });

  it("says how to fix an empty section", () => {
    const err = problemsOf(`${BASE}run:\n`);
    expect(err.message).toContain(
      "run: expected a mapping, found an empty value (null). Give run its fields, or leave the key out.",
    );
  });

  it("names a missing scenario file without a line", async () => {
    await expect(loadScenario(join(tmp, "nope.yaml"))).rejects.toThrow(InputError);
    await expect(loadScenario(join(tmp, "nope.yaml"))).rejects.toThrow(
      /nope\.yaml: expected a scenario file \(YAML\), found no such file\./,
    );
  });

  it("locates a duplicate key nested in a list", () => {
    const err = problemsOf(`${BASE}  sequence:\n    - { kind: random, seed: 1, seed: 2 }\n`);
    expect(err.problems[0]).toMatchObject({
      line: 8,
      col: 32,
      path: "profile.sequence[0].seed",
      found: '"seed" again',
    });
  });
});

describe("agreement with the rest of the code", () => {
  it("the generated model's input name matches the generator", () => {
    expect(GENERATED_INPUT).toBe(RESNET_INPUT);
  });
});

describe("expandScenario", () => {
  it("makes one run per sequence × precision, keys unique and in file order", async () => {
    const s = await loadScenario(`${VALID}/full.yaml`);
    const runs = expandScenario(s);
    expect(runs).toHaveLength(s.sequences.length * s.precisions.length);
    expect(runs).toHaveLength(12);
    expect(new Set(runs.map((r) => r.key)).size).toBe(runs.length);
    expect(runs.slice(0, 3).map((r) => r.key)).toEqual([
      "full-example/fixed/fp16",
      "full-example/fixed/fp32",
      "full-example/extremes/fp16",
    ]);
    for (const r of runs) {
      expect(r.scenario).toBe(s);
      expect(r.key).toBe(`${s.name}/${r.sequence.label}/${r.precision}`);
    }
  });
});
