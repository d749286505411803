/**
 * The scenario file's shape as written (before defaults that depend on other fields and
 * before semantic checks). One zod schema is the single source for validation and for
 * schema/scenario.schema.json (editor completion). No transforms here: the JSON Schema
 * must describe exactly what a user writes.
 */
import * as z from "zod";
import { MAX_TIMER_S } from "../timers.js";
import { DTYPES } from "../engines/contract.js";
import { ENGINES, REGISTRY } from "../engines/registry.js";
import { PRECISIONS, RESNET_DEPTHS, SEQUENCE_KINDS, STRATEGIES } from "./types.js";

/** Names used in run keys and file names: no slashes, no spaces. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME_EXPECTED = "a name of letters, digits, '.', '_' or '-' (starting with a letter or digit)";

const DEFAULT_STRATEGIES = ["persistent", "teardown", "scoped"] as const;
export const DEFAULT_BASELINE = "scoped";

/**
 * Longest scenario name and sequence label. Both end up in one file name, the longest being
 * a trace or chart: `<name>_<label>_<precision>-<strategy>.csv|.svg` (the run id part is cut
 * to RUN_ID_NAMES_MAX on its own). With the longest precision (4) and strategy
 * ("user-managed", 12) that adds 23 bytes; names are ASCII (NAME_PATTERN), so each of the two
 * may take half of what is left of the filesystem's 255-byte name limit: 116.
 */
const MAX_NAME_CHARS = Math.floor(
  (255 - ("_".length * 2 + 4 + "-".length + "user-managed".length + ".csv".length)) / 2,
);
/** Most runs (sequences × precisions) one scenario expands to; each starts a process per strategy. */
export const MAX_RUNS = 256;

const name = z.string().max(MAX_NAME_CHARS).regex(NAME_PATTERN, { error: NAME_EXPECTED });
const dims = z.array(z.int().min(1)).min(1).meta({ description: "Tensor shape: one positive integer per dimension." });
const shapeMap = z
  .record(z.string(), dims)
  .meta({ description: "Shape per input name; inputs left out take their profile's opt shape." });

const engine = z.enum(ENGINES);
const strategy = z.enum(STRATEGIES);
const precision = z.enum(PRECISIONS);
const sequenceKind = z.enum(SEQUENCE_KINDS);

const model = z
  .union(
    [
      z.string().min(1).meta({ description: "Path of an ONNX file, relative to this scenario file's folder." }),
      z.strictObject({
        path: z
          .string()
          .min(1)
          .optional()
          .meta({ description: "Path of an ONNX file, relative to this scenario file's folder." }),
        generate: z
          .enum(RESNET_DEPTHS)
          .optional()
          .meta({ description: "Generate this ResNet with seeded random weights (cached under models/)." }),
        seed: z.int().min(0).optional().meta({ description: "Weight seed for `generate` (default 1)." }),
      }),
    ],
    {
      error: (iss) =>
        iss.code === "invalid_union"
          ? "a model file path, { path: file.onnx } or { generate: resnet18, seed: 1 }"
          : undefined,
    },
  )
  .optional()
  .meta({
    description:
      "The model: a file path, { path }, or { generate: resnet18|resnet34|resnet50, seed }. Required except for engine process, whose worker may load its own.",
  });

/** Values fed to an input (profile.ts checks min ≤ max and that they fit the dtype). */
const VALUE_FILLS = ["ones", "zeros"] as const;
const inputValues = z
  .union(
    [
      z.enum(VALUE_FILLS).meta({ description: "Every element 1 (ones) or 0 (zeros), e.g. an attention mask." }),
      z
        .strictObject({
          min: z.number().meta({ description: "Smallest value (inclusive)." }),
          max: z.number().meta({ description: "Largest value (inclusive)." }),
        })
        .meta({
          description:
            "Integer dtypes: integers in [min, max], e.g. token ids { min: 0, max: 50256 }. Float dtypes: uniform in [min, max].",
        }),
    ],
    { error: (iss) => (iss.code === "invalid_union" ? "ones, zeros or { min: …, max: … }" : undefined) },
  )
  .optional()
  .meta({
    description:
      "Values fed to this input: { min, max } (inclusive), ones or zeros. Default: the engine's own deterministic fill.",
  });

const inputProfile = z
  .strictObject({
    min: dims.optional().meta({ description: "Smallest shape the engine must accept." }),
    opt: dims.optional().meta({ description: "Shape the engine is tuned for (TensorRT's opt)." }),
    max: dims.optional().meta({ description: "Largest shape; memory is often sized for it." }),
    shape: dims.optional().meta({ description: "A static input: shorthand for min = opt = max = shape." }),
    dtype: z.enum(DTYPES).default("float32"),
    values: inputValues,
  })
  .meta({ description: "Give min, opt and max (dynamic) or shape (static)." });

const label = name
  .optional()
  .meta({ description: "Name in run keys and reports (default: the kind, suffixed when repeated)." });
/**
 * Bucketing keys, on every object form so a misplaced one gets a message that says why
 * (profile.ts rejects them on fixed and cycle, whose shapes are written out).
 */
const bucketing = {
  multipleOf: z.int().min(1).optional().meta({
    description:
      "random, ascending, sawtooth: round every dynamic dim up to a multiple of this (at most the profile's max); the model runs on the padded shape.",
  }),
  buckets: z.array(z.int().min(1)).min(1).optional().meta({
    description:
      "random, ascending, sawtooth: round every dynamic dim up to the smallest of these (ascending) that fits, else the profile's max.",
  }),
};
const sequenceObject = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("fixed"),
    shapes: z
      .array(shapeMap)
      .length(1)
      .optional()
      .meta({ description: "The one shape fed every call (default: opt)." }),
    label,
    ...bucketing,
  }),
  z.strictObject({
    kind: z.literal("cycle"),
    shapes: z.array(shapeMap).min(1).optional().meta({ description: "Shapes fed in turn (default: min, opt, max)." }),
    label,
    ...bucketing,
  }),
  z.strictObject({
    kind: z.literal("random"),
    seed: z.int().min(0).optional().meta({ description: "PRNG seed (default: run.seed)." }),
    label,
    ...bucketing,
  }),
  z.strictObject({ kind: z.literal("ascending"), label, ...bucketing }),
  z.strictObject({
    kind: z.literal("sawtooth"),
    period: z.int().min(1).optional().meta({ description: "Calls from min to max before dropping back (default 16)." }),
    label,
    ...bucketing,
  }),
]);
const sequence = z.union([sequenceKind, sequenceObject]);

const profile = z.strictObject({
  inputs: z
    .record(z.string(), inputProfile)
    .meta({ description: "Per model input (in the model's input order): its shape range." }),
  sequence: z
    .union([sequence, z.array(sequence).min(1)])
    .default("random")
    .meta({ description: "Shape sequence(s) fed: a kind, { kind, … }, or a list of them (each is a separate run)." }),
});

const run = z.strictObject({
  warmup: z.int().min(0).default(10).meta({ description: "Calls before measurement starts (per strategy)." }),
  iterations: z.int().min(1).default(200).meta({ description: "Measured calls per strategy, spread over rounds." }),
  rounds: z.int().min(1).default(5).meta({ description: "Interleaved rounds (A B C A B C …) for throughput ratios." }),
  maxDurationS: z
    .number()
    .positive()
    .default(600)
    .meta({ description: "Hard cap on the whole scenario run, seconds." }),
  seed: z.int().min(0).default(1).meta({ description: "Seed for random shapes and generated inputs." }),
  watchdogS: z
    .number()
    .positive()
    .max(MAX_TIMER_S)
    .default(120)
    .meta({
      description: `A round with no progress for this many seconds is a hang (at most ${MAX_TIMER_S}: Node's longest timer).`,
    }),
  replay: z
    .union([z.literal("auto"), z.int().min(0)])
    .default("auto")
    .meta({
      description:
        "Calls after the measured rounds that replay only shapes already seen (a leak keeps growing there; growth per new shape does not). auto: half of run.iterations (at least 20) for random, ascending and sawtooth sequences, 0 for fixed and cycle.",
    }),
  confirm: z
    .union([
      z.literal(false),
      z.strictObject({
        calls: z.int().min(0).optional().meta({
          description:
            "Most replay calls added per strategy to confirm a verdict (default: 2 × run.iterations, at least 100).",
        }),
        seconds: z
          .number()
          .positive()
          .max(86400)
          .optional()
          .meta({ description: "Most seconds spent confirming one strategy (default 120)." }),
      }),
    ])
    .default({})
    .meta({
      description:
        "Confirm before accusing: a leak, shape-growth or inconclusive verdict extends that strategy with replay calls until two checks agree or this budget runs out. false: never.",
    }),
});

const memory = z.strictObject({
  intervalMs: z.number().positive().default(1).meta({ description: "Device-memory sampling interval, milliseconds." }),
  device: z.int().min(0).default(0).meta({ description: "GPU index sampled." }),
});

const verdict = z.enum(["plateau", "shape-growth", "inconclusive", "leak"]);
const gate = z.strictObject({
  leak: z
    .enum(["fail", "warn", "off"])
    .default("fail")
    .meta({ description: "What a leak verdict does to the exit code." }),
  allow: z
    .partialRecord(strategy, z.array(verdict))
    .default({})
    .meta({ description: "Per strategy, verdicts that do not fail the leak gate, e.g. { persistent: [plateau] }." }),
  maxResidualMiB: z
    .number()
    .min(0)
    .optional()
    .meta({ description: "Fail when memory not returned after release exceeds this, MiB." }),
  minSpeedup: z
    .partialRecord(strategy, z.number().positive())
    .default({})
    .meta({ description: "Fail unless the strategy is at least this many times faster than the baseline." }),
  maxSlowdown: z
    .number()
    .min(0)
    .optional()
    .meta({ description: "Fail when a strategy is slower than the baseline by more than this fraction." }),
  maxPeakMiB: z
    .number()
    .positive()
    .optional()
    .meta({ description: "Fail when a strategy's peak memory exceeds this, MiB." }),
  maxP99Ms: z.number().positive().optional().meta({
    description:
      "Sweeps: a combination whose p99 latency exceeds this, ms, is not recommended (it stays in the table and chart).",
  }),
  maxRegression: z
    .number()
    .min(0)
    .optional()
    .meta({ description: "Against --baseline results: largest throughput drop, fraction." }),
  maxMemoryIncrease: z
    .number()
    .min(0)
    .optional()
    .meta({ description: "Against --baseline results: largest memory increase, fraction." }),
  shapeGrowth: z.enum(["fail", "warn", "off"]).default("warn").meta({
    description:
      "What a shape-growth verdict (memory grows only at first-seen shapes) does: fail, warn, or off. A projected bound over maxShapeGrowthMiB, or one that does not fit in memory, fails when this is fail.",
  }),
  maxShapeGrowthMiB: z.number().positive().optional().meta({
    description:
      "Largest memory growth accepted if every allowed shape is seen (the projected bound minus the level at the start), MiB.",
  }),
});

const faults = z.strictObject({
  leakBytesPerIteration: z
    .int()
    .min(0)
    .optional()
    .meta({ description: "Planted leak: device bytes never freed per call (native engines)." }),
  retainOutputsEvery: z
    .int()
    .min(0)
    .optional()
    .meta({ description: "Keep every Nth call's outputs alive forever (native engines); 0 = never." }),
});

/** Combinations a sweep may expand to when it sets no `max` (each is a run: a child process per strategy). */
export const DEFAULT_SWEEP_MAX = 32;
/** Keys of `sweep:` that are not axes. */
export const SWEEP_FIELDS = ["max", "list", "profiles", "repeatReference"] as const;
const sweepValue = z.union([z.string(), z.number(), z.boolean()]);
const sweep = z
  .object({
    max: z
      .int()
      .min(1)
      .max(MAX_RUNS)
      .optional()
      .meta({ description: `Most runs the sweep may expand to (default ${DEFAULT_SWEEP_MAX}, at most ${MAX_RUNS}).` }),
    repeatReference: z.boolean().optional().meta({
      description:
        "Run the reference (first) combination again after the others, to measure the drift between runs (default true with ≥ 2 combinations; counted in max).",
    }),
    list: z.array(z.record(z.string(), sweepValue)).min(1).optional().meta({
      description:
        "Combinations written out (instead of a product), e.g. [{ precision: fp16, libtorch.cudaGraph: true }]; `name` names one.",
    }),
    profiles: z.record(name, z.record(z.string(), inputProfile)).optional().meta({
      description:
        "Named profile variants (each replaces profile.inputs), swept as the axis `profile` beside `default` (the scenario's own).",
    }),
  })
  .catchall(
    z.array(sweepValue).min(1).meta({
      description:
        "An axis: precision, profile, or <engine>.<option> (e.g. onnxruntime.intraOpThreads, process.env.NAME).",
    }),
  )
  .meta({
    description:
      "Runs over combinations of settings: the product of the axes given (or the combinations in list), each a run with a readable key.",
  });

/** Top-level fields; keys in the order the README documents them. */
export const scenarioShape = {
  name: name.meta({ description: "Scenario name, used in run keys and result file names." }),
  description: z.string().optional(),
  model,
  engine: engine.meta({ description: "onnxruntime | libtorch | tensorrt | process" }),
  precision: z
    .union([precision, z.array(precision).min(1)])
    .default("fp32")
    .meta({ description: "One precision or a list (each is a separate run)." }),
  profile,
  strategies: z
    .array(strategy)
    .min(1)
    .default([...DEFAULT_STRATEGIES])
    .meta({ description: "Context strategies compared against each other." }),
  baseline: strategy
    .optional()
    .meta({ description: "Strategy the others are compared with (default scoped; must be in strategies)." }),
  run: run.prefault({}),
  memory: memory.prefault({}),
  gate: gate.prefault({}),
  faults: faults.prefault({}),
  sweep: sweep.optional(),
  ...engineSections(),
};

/** One optional section per engine of the registry, named after it. */
function engineSections() {
  return Object.fromEntries(REGISTRY.map((d) => [d.name, d.section.optional()])) as {
    [D in (typeof REGISTRY)[number] as D["name"]]: z.ZodOptional<D["section"]>;
  };
}

export const scenarioSchema = z.strictObject(scenarioShape);

/** The validated file before semantic checks and dependent defaults. */
export type RawScenario = z.output<typeof scenarioSchema>;
export type RawSequence = z.output<typeof sequence>;
export type RawInputProfile = z.output<typeof inputProfile>;
export type RawSweep = z.output<typeof sweep>;
