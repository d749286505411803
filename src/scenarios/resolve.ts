/**
 * Checks that need more than one field (min ≤ opt ≤ max, baseline in strategies, sections
 * matching the engine, files that must exist) and the defaults that depend on other fields.
 * Works on whichever top-level sections passed the schema, so one run of the validator
 * reports every problem it can find, not just the first section's.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { InputProblem } from "../cli/errors.js";
import { formatPath, type DataPath, type YamlLocator } from "./locate.js";
import { DEFAULT_BASELINE, sectionSchemas, type RawInputProfile, type RawScenario, type RawSequence } from "./schema.js";
import { didYouMean } from "./suggest.js";
import type {
  EngineName,
  InputProfile,
  ModelSpec,
  Precision,
  Scenario,
  SequenceSpec,
  Shape,
  ShapeMap,
  StrategyName,
} from "./types.js";

/** Strategies the JS-hosted engines run (src/run/strategy-loop.ts refuses the rest at run time). */
export const JS_ENGINE_STRATEGIES: readonly StrategyName[] = ["persistent", "teardown", "scoped"];
const JS_ENGINES: readonly EngineName[] = ["onnxruntime", "process"];
/** Input of the generated ResNets (src/models/resnet.ts RESNET_INPUT): [batch, 3, height, width]. */
export const GENERATED_INPUT = "input";
export const DEFAULT_SAWTOOTH_PERIOD = 16;

interface Report {
  /** Data path named in the message. */
  path: DataPath;
  expected: string;
  found: string;
  hint?: string | undefined;
  /** Where to point instead of `path` (e.g. the `engine` line for a missing section). */
  at?: DataPath;
  /** Point at the key rather than its value. */
  key?: boolean;
}

export class Checker {
  readonly problems: InputProblem[] = [];
  constructor(
    readonly file: string,
    readonly locator: YamlLocator,
  ) {}

  report(r: Report): void {
    const { line, col } = this.locator.locate(r.at ?? r.path, { key: r.key ?? false });
    const p: InputProblem = { file: this.file, line, col, path: formatPath(r.path), expected: r.expected, found: r.found };
    if (r.hint) p.hint = r.hint;
    this.problems.push(p);
  }
}

const dimsText = (s: Shape): string => `[${s.join(", ")}]`;

function resolveProfile(inputs: Record<string, RawInputProfile>, c: Checker): Record<string, InputProfile> | undefined {
  const before = c.problems.length;
  const out: Record<string, InputProfile> = {};
  if (Object.keys(inputs).length === 0) {
    c.report({ path: ["profile", "inputs"], expected: "at least one input, e.g. input: { min: [...], opt: [...], max: [...] }", found: "an empty mapping" });
  }
  for (const [name, p] of Object.entries(inputs)) {
    const base = ["profile", "inputs", name];
    if (p.shape) {
      for (const k of ["min", "opt", "max"] as const) {
        if (p[k]) c.report({ path: [...base, k], expected: "either shape or min/opt/max (shape means min = opt = max)", found: `both shape and ${k}`, key: true });
      }
      out[name] = { min: p.shape, opt: p.shape, max: p.shape, dtype: p.dtype };
      continue;
    }
    const { min, opt, max } = p;
    for (const k of ["min", "opt", "max"] as const) {
      if (!p[k]) c.report({ path: [...base, k], expected: "a shape (a list of positive integers)", found: "nothing", hint: "Give min, opt and max, or shape: for a static input." });
    }
    if (!min || !opt || !max) continue;
    let ranksMatch = true;
    for (const [k, s] of [["opt", opt], ["max", max]] as const) {
      if (s.length !== min.length) {
        ranksMatch = false;
        c.report({ path: [...base, k], expected: `${min.length} dimensions, like min ${dimsText(min)}`, found: `${s.length} dimensions ${dimsText(s)}` });
      }
    }
    if (!ranksMatch) continue;
    for (let i = 0; i < min.length; i++) {
      const lo = min[i]!;
      const hi = max[i]!;
      const mid = opt[i]!;
      if (lo > hi) {
        c.report({ path: [...base, "max", i], expected: `at least min[${i}] = ${lo}`, found: String(hi) });
      } else if (mid < lo || mid > hi) {
        c.report({ path: [...base, "opt", i], expected: `a value from min[${i}] to max[${i}] (${lo}..${hi})`, found: String(mid) });
      }
    }
    out[name] = { min, opt, max, dtype: p.dtype };
  }
  return c.problems.length === before ? out : undefined;
}

/** A user's shape map checked against the profile; inputs left out take opt. */
function resolveShapeMap(given: Record<string, number[]>, profile: Record<string, InputProfile>, base: DataPath, c: Checker): ShapeMap {
  const names = Object.keys(profile);
  const out: ShapeMap = {};
  for (const [name, dims] of Object.entries(given)) {
    const p = profile[name];
    if (!p) {
      c.report({ path: [...base, name], expected: `an input of the profile (${names.join(", ")})`, found: `unknown input "${name}"`, hint: didYouMean(name, names), key: true });
      continue;
    }
    if (dims.length !== p.min.length) {
      c.report({ path: [...base, name], expected: `${p.min.length} dimensions, like profile.inputs.${name}.min ${dimsText(p.min)}`, found: `${dims.length} dimensions ${dimsText(dims)}` });
      continue;
    }
    dims.forEach((d, i) => {
      const lo = p.min[i]!;
      const hi = p.max[i]!;
      if (d < lo || d > hi) c.report({ path: [...base, name, i], expected: `a value within the profile's ${name}[${i}] range ${lo}..${hi}`, found: String(d) });
    });
    out[name] = dims;
  }
  for (const name of names) out[name] ??= profile[name]!.opt;
  // Key order is the model's input order, whatever order the user wrote.
  return Object.fromEntries(names.map((n) => [n, out[n]!]));
}

function resolveSequences(raw: RawSequence | RawSequence[], profile: Record<string, InputProfile>, runSeed: number, c: Checker): SequenceSpec[] {
  const list = Array.isArray(raw) ? raw : [raw];
  const pick = (which: "min" | "opt" | "max"): ShapeMap => Object.fromEntries(Object.entries(profile).map(([n, p]) => [n, p[which]]));
  const specs: Array<Omit<SequenceSpec, "label"> & { label?: string }> = list.map((entry, i) => {
    const base: DataPath = Array.isArray(raw) ? ["profile", "sequence", i] : ["profile", "sequence"];
    const s = typeof entry === "string" ? { kind: entry } : entry;
    const spec: Omit<SequenceSpec, "label"> & { label?: string } = { kind: s.kind };
    if ("label" in s && s.label !== undefined) spec.label = s.label;
    switch (s.kind) {
      case "fixed":
      case "cycle": {
        const given = "shapes" in s ? s.shapes : undefined;
        spec.shapes = given
          ? given.map((m, j) => resolveShapeMap(m, profile, [...base, "shapes", j], c))
          : s.kind === "fixed"
            ? [pick("opt")]
            : [pick("min"), pick("opt"), pick("max")];
        break;
      }
      case "random":
        spec.seed = ("seed" in s ? s.seed : undefined) ?? runSeed;
        break;
      case "sawtooth":
        spec.period = ("period" in s ? s.period : undefined) ?? DEFAULT_SAWTOOTH_PERIOD;
        break;
      case "ascending":
        break;
    }
    return spec;
  });

  // Labels: the user's must be unique; defaults are the kind, suffixed -2, -3 … on repeats.
  const taken = new Map<string, number>();
  specs.forEach((s, i) => {
    if (s.label === undefined) return;
    const first = taken.get(s.label);
    if (first !== undefined) {
      const at: DataPath = ["profile", "sequence", i, "label"];
      c.report({ path: at, expected: "a label no other sequence uses", found: `"${s.label}" (also profile.sequence[${first}])` });
    } else {
      taken.set(s.label, i);
    }
  });
  const repeats = new Map<string, number>();
  for (const s of specs) if (s.label === undefined) repeats.set(s.kind, (repeats.get(s.kind) ?? 0) + 1);
  const seen = new Map<string, number>();
  return specs.map((s, i) => {
    if (s.label !== undefined) return s as SequenceSpec;
    let label: string = s.kind;
    if ((repeats.get(s.kind) ?? 0) > 1 || taken.has(label)) {
      let n = (seen.get(s.kind) ?? 0) + 1;
      label = n === 1 && !taken.has(s.kind) ? s.kind : `${s.kind}-${n}`;
      while (taken.has(label)) label = `${s.kind}-${++n}`;
      seen.set(s.kind, n);
    }
    taken.set(label, i);
    return { ...s, label };
  });
}

function resolveModel(raw: NonNullable<RawScenario["model"]>, dir: string, c: Checker): ModelSpec | undefined {
  const obj = typeof raw === "string" ? { path: raw } : raw;
  const pathAt: DataPath = typeof raw === "string" ? ["model"] : ["model", "path"];
  if (obj.path !== undefined && obj.generate !== undefined) {
    c.report({ path: ["model", "generate"], expected: "either path or generate, not both", found: "both", key: true });
    return undefined;
  }
  if (obj.generate !== undefined) return { kind: "generate", arch: obj.generate, seed: obj.seed ?? 1 };
  if (obj.seed !== undefined) {
    c.report({ path: ["model", "seed"], expected: "seed only with generate:", found: "seed beside path:", key: true });
  }
  if (obj.path === undefined) {
    c.report({ path: ["model"], expected: "a model: a file path, { path: file.onnx } or { generate: resnet18, seed: 1 }", found: "a mapping with neither path nor generate" });
    return undefined;
  }
  const resolvedPath = resolve(dir, obj.path);
  if (!existsSync(resolvedPath)) {
    c.report({ path: pathAt, expected: `an existing model file (looked for ${resolvedPath})`, found: `"${obj.path}"`, hint: "Paths are relative to the scenario file's folder." });
    return undefined;
  }
  if (!statSync(resolvedPath).isFile()) {
    c.report({ path: pathAt, expected: "a model file", found: `"${obj.path}", a folder` });
    return undefined;
  }
  return { kind: "file", path: obj.path, resolvedPath };
}

function checkGeneratedInputs(profile: Record<string, InputProfile>, arch: string, c: Checker): void {
  const names = Object.keys(profile);
  for (const name of names) {
    if (name !== GENERATED_INPUT) {
      c.report({ path: ["profile", "inputs", name], expected: `the generated ${arch}'s one input, "${GENERATED_INPUT}"`, found: `input "${name}"`, key: true });
    }
  }
  const p = profile[GENERATED_INPUT];
  if (!p) return;
  for (const k of ["min", "opt", "max"] as const) {
    const s = p[k];
    if (s.length !== 4 || s[1] !== 3) {
      c.report({ path: ["profile", "inputs", GENERATED_INPUT, k], expected: `[batch, 3, height, width] for the generated ${arch}`, found: dimsText(s) });
    }
  }
}

/**
 * Semantic checks and dependent defaults over the sections that passed the schema
 * (`parts`). Returns the Scenario when every section is present and no check failed.
 */
export function resolveScenario(parts: Partial<RawScenario>, rawKeys: ReadonlySet<string>, absFile: string, c: Checker): Scenario | undefined {
  const dir = dirname(absFile);
  const { engine, strategies } = parts;

  const profile = parts.profile ? resolveProfile(parts.profile.inputs, c) : undefined;
  let model: ModelSpec | undefined;
  if (parts.model !== undefined) model = resolveModel(parts.model, dir, c);
  else if (!rawKeys.has("model") && engine === "process") model = { kind: "none" };
  else if (!rawKeys.has("model") && engine) {
    c.report({
      path: ["model"],
      expected: `a model for engine ${engine}: a file path, { path: file.onnx } or { generate: resnet18, seed: 1 }`,
      found: "nothing",
      hint: "model is required (only engine process may leave it out).",
    });
  }
  if (model?.kind === "generate" && profile) checkGeneratedInputs(profile, model.arch, c);
  const sequences = parts.profile && profile && parts.run ? resolveSequences(parts.profile.sequence, profile, parts.run.seed, c) : undefined;

  let precisions: Precision[] | undefined;
  if (parts.precision !== undefined) {
    precisions = Array.isArray(parts.precision) ? parts.precision : [parts.precision];
    precisions.forEach((p, i) => {
      const first = precisions!.indexOf(p);
      if (first !== i) c.report({ path: ["precision", i], expected: "each precision once", found: `"${p}" again (also precision[${first}])` });
    });
  }

  const listed = strategies ? [...new Set(strategies)].join(", ") : "";
  if (strategies) {
    strategies.forEach((s, i) => {
      const first = strategies.indexOf(s);
      if (first !== i) c.report({ path: ["strategies", i], expected: "each strategy once", found: `"${s}" again (also strategies[${first}])` });
      else if (engine && JS_ENGINES.includes(engine) && !JS_ENGINE_STRATEGIES.includes(s)) {
        c.report({
          path: ["strategies", i],
          expected: `a strategy the ${engine} engine runs (${JS_ENGINE_STRATEGIES.join(", ")})`,
          found: `"${s}"`,
          hint: "per-shape and user-managed need a native engine (libtorch or tensorrt).",
        });
      }
    });
  }
  const baseline = parts.baseline ?? DEFAULT_BASELINE;
  if (strategies && !strategies.includes(baseline)) {
    if (parts.baseline !== undefined) {
      c.report({ path: ["baseline"], expected: `one of the strategies listed (${listed})`, found: `"${baseline}"` });
    } else {
      c.report({
        path: ["strategies"],
        expected: `a list that includes ${DEFAULT_BASELINE} (the default baseline)`,
        found: `[${strategies.join(", ")}]`,
        hint: `Add ${DEFAULT_BASELINE}, or set baseline: to one of these.`,
      });
    }
  }

  if (parts.run && parts.run.iterations < parts.run.rounds) {
    const field = c.locator.has(["run", "iterations"]) ? "iterations" : "rounds";
    c.report({
      path: ["run", field],
      expected: field === "iterations" ? `at least run.rounds = ${parts.run.rounds} (every round needs an iteration)` : `at most run.iterations = ${parts.run.iterations} (every round needs an iteration)`,
      found: String(parts.run[field]),
    });
  }

  if (engine) {
    for (const section of ["onnxruntime", "tensorrt", "libtorch", "process"] as const) {
      if (rawKeys.has(section) && section !== engine) {
        c.report({ path: [section], expected: `no ${section} section (engine is ${engine})`, found: `a ${section} section`, hint: `Remove it, or set engine: ${section}.`, key: true });
      }
    }
    if (engine === "process" && !rawKeys.has("process")) {
      c.report({ path: ["process"], at: ["engine"], expected: "a process section (engine is process)", found: "nothing", hint: "Add e.g. process: { command: [python3, worker.py] }." });
    }
    const f = parts.faults;
    if (f && JS_ENGINES.includes(engine) && ((f.leakBytesPerIteration ?? 0) > 0 || (f.retainOutputsEvery ?? 0) > 0)) {
      c.report({ path: ["faults"], expected: "faults only with a native engine (libtorch or tensorrt)", found: `faults with engine ${engine}`, key: true });
    }
  }

  if (parts.gate && strategies) {
    for (const field of ["allow", "minSpeedup"] as const) {
      for (const k of Object.keys(parts.gate[field])) {
        if (!strategies.includes(k as StrategyName)) {
          c.report({ path: ["gate", field, k], expected: `a strategy listed in strategies (${listed})`, found: `"${k}"`, key: true });
        } else if (field === "minSpeedup" && k === baseline) {
          c.report({ path: ["gate", field, k], expected: "a strategy other than the baseline (its speedup is 1 by definition)", found: `"${k}", the baseline`, key: true });
        }
      }
    }
  }

  let processSpec: Scenario["process"];
  if (parts.process) {
    const { command, cwd, env, replyTimeoutS } = parts.process;
    processSpec = { command, env };
    if (cwd !== undefined) {
      const abs = resolve(dir, cwd);
      if (!existsSync(abs) || !statSync(abs).isDirectory()) {
        c.report({ path: ["process", "cwd"], expected: `an existing folder (looked for ${abs})`, found: `"${cwd}"`, hint: "Paths are relative to the scenario file's folder." });
      }
      processSpec.cwd = abs;
    }
    if (replyTimeoutS !== undefined) processSpec.replyTimeoutS = replyTimeoutS;
  }

  const { name, run, memory, gate, faults } = parts;
  if (
    c.problems.length > 0 ||
    name === undefined ||
    !model ||
    !engine ||
    !precisions ||
    !profile ||
    !sequences ||
    !strategies ||
    !run ||
    !memory ||
    !gate ||
    !faults ||
    (engine === "process" && !processSpec)
  ) {
    return undefined;
  }
  const tensorrt = parts.tensorrt ?? sectionSchemas.tensorrt.parse({});
  if (tensorrt.cacheDir !== undefined) tensorrt.cacheDir = resolve(dir, tensorrt.cacheDir);
  const scenario: Scenario = {
    file: absFile,
    name,
    model,
    engine,
    precisions,
    profile,
    sequences,
    strategies,
    baseline,
    run,
    memory,
    gate,
    faults,
    onnxruntime: parts.onnxruntime ?? sectionSchemas.onnxruntime.parse({}),
    tensorrt,
    libtorch: parts.libtorch ?? sectionSchemas.libtorch.parse({}),
  };
  if (parts.description !== undefined) scenario.description = parts.description;
  if (processSpec) scenario.process = processSpec;
  return scenario;
}
