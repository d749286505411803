/**
 * The malformed-scenario corpus: each file has one mistake, and the first problem reported
 * must point at it exactly (file:line:col) and say path, expected and found.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError, type InputProblem } from "../../src/errors.js";
import { loadScenario } from "../../src/scenarios/parse.js";
import { runCli } from "../helpers/cli.js";

const DIR = "test/fixtures/scenarios/malformed";

/** file, line, col (undefined: the whole file), and the message after `file:line:col: `. */
type Row = [file: string, line: number | undefined, col: number | undefined, message: string | string[]];

const CORPUS: Row[] = [
  ["alias-bomb.yaml", 5, 10, "expected at most 1000 alias expansions, found too many aliases"],
  [
    "bad-dtype.yaml",
    6,
    84,
    'profile.inputs.input.dtype: expected one of float32, float16, int64, int32, found "float64". Did you mean "float32"?',
  ],
  [
    "bad-indent.yaml",
    3,
    9,
    "expected valid YAML, found a syntax error (Nested mappings are not allowed in compact mappings). Check indentation, quotes and brackets here and on the lines above.",
  ],
  [
    "bad-name.yaml",
    1,
    7,
    "name: expected a name of letters, digits, '.', '_' or '-' (starting with a letter or digit), found \"my scenario\".",
  ],
  [
    "baseline-default-missing.yaml",
    7,
    13,
    "strategies: expected a list that includes scoped (the default baseline), found [persistent, teardown]. Add scoped, or set baseline: to one of these.",
  ],
  [
    "baseline-not-in-strategies.yaml",
    8,
    11,
    'baseline: expected one of the strategies listed (persistent, teardown, scoped), found "per-shape".',
  ],
  [
    "cycle-shape-rank.yaml",
    9,
    40,
    "profile.sequence[1].shapes[0].input: expected 4 dimensions, like profile.inputs.input.min [1, 3, 32, 32], found 3 dimensions [1, 3, 32].",
  ],
  [
    "cycle-unknown-input.yaml",
    10,
    11,
    'profile.sequence[0].shapes[0].inptu: expected an input of the profile (input), found unknown input "inptu". Did you mean "input"?',
  ],
  ["duplicate-key.yaml", 8, 1, 'engine: expected each key once in a mapping, found "engine" again.'],
  [
    "duplicate-label.yaml",
    9,
    29,
    'profile.sequence[1].label: expected a label no other sequence uses, found "mixed" (also profile.sequence[0]).',
  ],
  [
    "duplicate-strategy.yaml",
    7,
    34,
    'strategies[2]: expected each strategy once, found "persistent" again (also strategies[0]).',
  ],
  ["empty-strategies.yaml", 7, 13, "strategies: expected a list of at least 1 item, found an empty list."],
  [
    "empty.yaml",
    undefined,
    undefined,
    "expected a mapping of scenario fields (name, model, engine, profile, strategies, …), found an empty file.",
  ],
  [
    "env-number.yaml",
    7,
    17,
    "process.env.LEAK_BYTES: expected a string, found 1048576 (an integer). Quote it to make it a string.",
  ],
  [
    "faults-on-onnxruntime.yaml",
    7,
    1,
    "faults: expected faults only with an engine that plants them (libtorch or tensorrt), found faults with engine onnxruntime.",
  ],
  [
    "fixed-shape-outside-profile.yaml",
    10,
    17,
    "profile.sequence.shapes[0].input[0]: expected a value within the profile's input[0] range 1..4, found 16.",
  ],
  [
    "fixed-two-shapes.yaml",
    9,
    13,
    "profile.sequence.shapes: expected a list of exactly 1 item, found a list (2 items).",
  ],
  ["fractional-dim.yaml", 6, 41, "profile.inputs.input.opt[0]: expected an integer, found 2.5 (a number)."],
  [
    "generated-model-small-image.yaml",
    6,
    19,
    "profile.inputs.input.min: expected [batch, 3, height ≥ 32, width ≥ 32] for the generated resnet18, found [1, 3, 16, 16].",
  ],
  [
    "generated-model-input-name.yaml",
    6,
    5,
    'profile.inputs.images: expected the generated resnet18\'s one input, "input", found input "images".',
  ],
  [
    "iterations-less-than-rounds.yaml",
    8,
    15,
    "run.iterations: expected at least run.rounds = 5 (every round needs an iteration), found 3.",
  ],
  [
    "js-engine-per-shape.yaml",
    7,
    14,
    'strategies[0]: expected a strategy the onnxruntime engine runs (persistent, teardown, scoped), found "per-shape". onnxruntime: a session is not bound to a shape, so a per-shape pool would hold N copies of the same weights. per-shape runs on libtorch or tensorrt.',
  ],
  ["list-where-map.yaml", 7, 6, "run: expected a mapping, found a list (3 items)."],
  ["min-greater-than-max.yaml", 6, 62, "profile.inputs.input.max[0]: expected at least min[0] = 8, found 4."],
  [
    "min-speedup-baseline.yaml",
    8,
    23,
    'gate.minSpeedup.scoped: expected a strategy other than the baseline (its speedup is 1 by definition), found "scoped", the baseline.',
  ],
  [
    "missing-model-file.yaml",
    2,
    8,
    [
      "model: expected an existing model file (looked for ",
      'found "models/nowhere.onnx". Paths are relative to the scenario file\'s folder.',
    ],
  ],
  [
    "missing-model.yaml",
    1,
    1,
    "model: expected a model for engine libtorch: a file path, { path: file.onnx } or { generate: resnet18, seed: 1 }, found nothing. model is required (only engine process may leave it out).",
  ],
  ["missing-name.yaml", 1, 1, "name: expected a string, found nothing. name is required."],
  ["missing-profile.yaml", 1, 1, "profile: expected a mapping, found nothing. profile is required."],
  [
    "model-not-onnx.yaml",
    2,
    8,
    "model: expected an ONNX model file, found a file that is not a valid ONNX model (protobuf decoding failed: ",
  ],
  ["model-path-and-generate.yaml", 2, 24, "model.generate: expected either path or generate, not both, found both."],
  [
    "model-wrong-type.yaml",
    2,
    8,
    "model: expected a model file path, { path: file.onnx } or { generate: resnet18, seed: 1 }, found 42 (an integer).",
  ],
  ["negative-interval.yaml", 7, 23, "memory.intervalMs: expected a value greater than 0, found -1."],
  ["negative-iterations.yaml", 8, 15, "run.iterations: expected a value of at least 1, found -5."],
  [
    "not-yaml.yaml",
    6,
    1,
    "expected valid YAML, found a syntax error (Flow map in block collection must be sufficiently indented and end with a }). Check indentation, quotes and brackets here and on the lines above.",
  ],
  [
    "only-comments.yaml",
    undefined,
    undefined,
    "expected a mapping of scenario fields (name, model, engine, profile, strategies, …), found a file with no content (only comments).",
  ],
  [
    "opt-outside-range.yaml",
    8,
    13,
    "profile.inputs.input.opt[0]: expected a value from min[0] to max[0] (1..8), found 16.",
  ],
  [
    "process-section-missing.yaml",
    3,
    9,
    "process: expected a process section (engine is process), found nothing. Add e.g. process: { command: [python3, worker.py] }.",
  ],
  [
    "process-without-command.yaml",
    5,
    3,
    "process.command: expected a list, found nothing. process.command is required.",
  ],
  [
    "rank-mismatch.yaml",
    9,
    12,
    "profile.inputs.input.max: expected 4 dimensions, like min [1, 3, 32, 32], found 3 dimensions [4, 3, 32].",
  ],
  [
    "sequence-unknown-key.yaml",
    7,
    31,
    'profile.sequence.perod: expected one of the keys kind, period, label, multipleOf, buckets, found unknown key "perod". Did you mean "period"?',
  ],
  [
    "shape-and-range.yaml",
    6,
    37,
    "profile.inputs.input.max: expected either shape or min/opt/max (shape means min = opt = max), found both shape and max.",
  ],
  ["string-for-number.yaml", 8, 11, 'run.warmup: expected a number, found "ten" (a string).'],
  [
    "tensorrt-section-on-onnxruntime.yaml",
    7,
    1,
    "tensorrt: expected no tensorrt section (engine is onnxruntime), found a tensorrt section. Remove it, or set engine: tensorrt.",
  ],
  [
    "top-level-list.yaml",
    1,
    1,
    "expected a mapping of scenario fields (name, model, engine, profile, strategies, …), found a list (2 items).",
  ],
  [
    "unresolved-alias.yaml",
    6,
    19,
    "expected an alias to an anchor defined earlier (&name before *name), found *low, which names no anchor above it.",
  ],
  [
    "unknown-engine.yaml",
    3,
    9,
    'engine: expected one of onnxruntime, libtorch, tensorrt, process, found "tensorrtt". Did you mean "tensorrt"?',
  ],
  ["unknown-gate-mode.yaml", 7, 15, 'gate.leak: expected one of fail, warn, off, found "fial". Did you mean "fail"?'],
  [
    "unknown-gate-strategy.yaml",
    10,
    5,
    'gate.allow.persistant: expected one of the keys persistent, teardown, scoped, per-shape, user-managed, found unknown key "persistant". Did you mean "persistent"?',
  ],
  [
    "unknown-nested-key.yaml",
    10,
    3,
    'run.iteration: expected one of the keys warmup, iterations, rounds, maxDurationS, seed, watchdogS, replay, confirm, found unknown key "iteration". Did you mean "iterations"?',
  ],
  [
    "unknown-precision.yaml",
    4,
    19,
    'precision[1]: expected one of fp32, fp16, bf16, int8, fp8, found "fp61". Did you mean "fp16"?',
  ],
  [
    "unknown-sequence-kind.yaml",
    7,
    13,
    'profile.sequence: expected one of fixed, cycle, random, ascending, sawtooth, found "randon". Did you mean "random"?',
  ],
  [
    "unknown-strategy.yaml",
    7,
    26,
    'strategies[1]: expected one of persistent, teardown, scoped, per-shape, user-managed, found "persistant". Did you mean "persistent"?',
  ],
  [
    "unknown-tactic-source.yaml",
    7,
    36,
    'tensorrt.tacticSources[1]: expected one of cublas, cublaslt, cudnn, edge_mask_convolutions, jit_convolutions, found "jit_convolution". Did you mean "jit_convolutions"?',
  ],
  [
    "unknown-top-level-key.yaml",
    7,
    1,
    'stratgies: expected one of the keys name, description, model, engine, precision, profile, strategies, baseline, run, memory, gate, faults, sweep, onnxruntime, libtorch, tensorrt, process, found unknown key "stratgies". Did you mean "strategies"?',
  ],
  ["wrong-type-name.yaml", 1, 7, "name: expected a string, found a list (2 items)."],
  ["zero-dim.yaml", 6, 20, "profile.inputs.input.min[0]: expected a value of at least 1, found 0."],
  ["zero-rounds.yaml", 8, 11, "run.rounds: expected a value of at least 1, found 0."],
  [
    "values-min-greater-than-max.yaml",
    6,
    102,
    "profile.inputs.input_ids.values.max: expected at least values.min = 50256, found 0.",
  ],
  [
    "values-fractional-int64.yaml",
    11,
    30,
    "profile.inputs.input_ids.values.max: expected an integer (input input_ids is int64), found 50256.5.",
  ],
  [
    "values-outside-int32.yaml",
    6,
    71,
    "profile.inputs.input_ids.values.max: expected a value within int32's range (-2147483648..2147483647), found 3000000000.",
  ],
  [
    "values-unknown-fill.yaml",
    6,
    51,
    'profile.inputs.mask.values: expected one of ones, zeros, found "one". Did you mean "ones"?',
  ],
  [
    "multipleof-with-buckets.yaml",
    9,
    39,
    "profile.sequence[1].buckets: expected either multipleOf or buckets, not both, found both.",
  ],
  [
    "buckets-not-ascending.yaml",
    7,
    50,
    "profile.sequence.buckets[2]: expected a value greater than buckets[1] = 128 (buckets ascend), found 64.",
  ],
  ["threads-intra-too-many.yaml", 7, 32, "onnxruntime.intraOpThreads: expected a value of at most 1024, found 20000."],
  ["threads-inter-too-many.yaml", 7, 32, "onnxruntime.interOpThreads: expected a value of at most 1024, found 4096."],
  [
    "name-too-long.yaml",
    1,
    7,
    'name: expected a string of at most 116 characters, found "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn… (',
  ],
  [
    "label-too-long.yaml",
    7,
    36,
    'profile.sequence.label: expected a string of at most 116 characters, found "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll… (',
  ],
  [
    "too-many-runs.yaml",
    9,
    5,
    "profile.sequence: expected at most 256 runs (sequences × precisions), found 60 sequences × 5 precisions = 300 runs. Split the scenario into several files.",
  ],
  [
    "env-proto-key.yaml",
    7,
    5,
    'process.env.__proto__: expected a key other than "__proto__" (reserved in JavaScript: it cannot be kept as a name), found "__proto__". Rename it.',
  ],
  [
    "input-proto-key.yaml",
    10,
    5,
    'profile.inputs.__proto__: expected a key other than "__proto__" (reserved in JavaScript: it cannot be kept as a name), found "__proto__". Rename it.',
  ],
  [
    "env-name-equals.yaml",
    7,
    5,
    'process.env["A=B"]: expected an environment variable name (not empty, without \'=\' or a NUL character), found "A=B".',
  ],
  [
    "bucketing-on-cycle.yaml",
    7,
    28,
    "profile.sequence.multipleOf: expected multipleOf only on a random, ascending or sawtooth sequence, found multipleOf on a cycle sequence. A cycle sequence feeds its shapes as written: write the padded shapes under shapes: instead.",
  ],
  [
    "sweep-empty-list.yaml",
    9,
    31,
    'sweep["onnxruntime.intraOpThreads"]: expected a list of at least 1 item, found an empty list.',
  ],
  [
    "sweep-other-engine.yaml",
    10,
    3,
    'sweep["libtorch.cudaGraph"]: expected an option of the onnxruntime engine (engine is onnxruntime), found "libtorch.cudaGraph", an option of the libtorch engine.',
  ],
  [
    "sweep-over-cap.yaml",
    9,
    8,
    "sweep.max: expected at most 4 runs (sweep.max), found 3 × 2 = 6 runs + 1 repeat of the reference (sweep.repeatReference) = 7 runs.",
  ],
  [
    "sweep-unknown-option.yaml",
    9,
    3,
    [
      'sweep["onnxruntime.intraOpThread"]: expected precision, sequence, profile, or an option of the onnxruntime engine',
      'Did you mean "onnxruntime.intraOpThreads"?',
    ],
  ],
  ["sweep-repeat-not-boolean.yaml", 9, 20, 'sweep.repeatReference: expected true or false, found "yes" (a string).'],
  [
    "sweep-wrong-type.yaml",
    9,
    41,
    'sweep["onnxruntime.enableCpuMemArena"][1]: expected true or false, found "off" (a string).',
  ],
];

async function problemsOf(file: string): Promise<{ message: string; problems: InputProblem[] }> {
  try {
    await loadScenario(file);
  } catch (e) {
    if (e instanceof InputError) return { message: e.message, problems: e.problems };
    throw e;
  }
  throw new Error(`${file} parsed without an error`);
}

describe("malformed scenario corpus", () => {
  it("covers every file in the corpus folder, and the folder holds at least 34", () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith(".yaml"))
      .sort();
    expect(files.length).toBeGreaterThanOrEqual(34);
    expect(CORPUS.map((r) => r[0]).sort()).toEqual(files);
  });

  it.each(CORPUS)("%s → line %s col %s", async (file, line, col, message) => {
    const path = `${DIR}/${file}`;
    const { message: text, problems } = await problemsOf(path);
    const first = problems[0]!;
    expect(first.file).toBe(path);
    expect(first.line).toBe(line);
    expect(first.col).toBe(col);
    const firstLine = text.split("\n")[0]!;
    const prefix = line === undefined ? `${path}: ` : `${path}:${line}:${col}: `;
    expect(firstLine.startsWith(prefix)).toBe(true);
    for (const part of Array.isArray(message) ? message : [message]) expect(firstLine).toContain(part);
    // One mistake, one message: no follow-on noise (a syntax error may be reported twice by yaml, differently worded).
    expect(problems.length).toBeLessThanOrEqual(file === "bad-indent.yaml" ? 2 : 1);
  });
});

describe("the CLI on a malformed scenario", () => {
  // Runs the CLI from source (tsx), as the other CLI tests do: no build needed, never skipped.
  it("exits 2 with file:line:col on stderr and no stack trace", async () => {
    const file = `${DIR}/unknown-strategy.yaml`;
    const r = await runCli(["bench", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${file}:7:26: strategies[1]: expected one of persistent, teardown, scoped, per-shape, user-managed, found "persistant". Did you mean "persistent"?`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it("exits 2 on a malformed sweep, located, before running anything", async () => {
    const file = `${DIR}/sweep-other-engine.yaml`;
    const r = await runCli(["bench", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${file}:10:3: sweep["libtorch.cudaGraph"]: expected an option of the onnxruntime engine`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
