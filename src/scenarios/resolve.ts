/**
 * Checks that need more than one field (baseline in strategies, sections matching the
 * engine, files that must exist) and the defaults that depend on other fields; profile
 * checks live in profile.ts. Works on whichever top-level sections passed the schema, so
 * one run of the validator reports every problem it can find, not just the first section's.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Checker } from "./checker.js";
import type { DataPath } from "./locate.js";
import { checkOnnxInputs, isOnnxPath } from "./model-inputs.js";
import { dimsText, resolveProfile, resolveSequences } from "./profile.js";
import type { SectionProblem } from "../engines/contract.js";
import { engineDescriptor, REGISTRY, strategiesOf, strategyUnsupported } from "../engines/registry.js";
import { DEFAULT_BASELINE, MAX_RUNS, type RawScenario } from "./schema.js";
import type { InputProfile, ModelSpec, Precision, Scenario, StrategyName } from "./types.js";
import { RESNET_DEPTHS } from "./types.js";
import { closest } from "./suggest.js";
import { resolveSweep } from "./sweep.js";
import type { SweepPlan } from "./types.js";

/** Input of the generated ResNets (src/models/resnet.ts RESNET_INPUT): [batch, 3, height, width]. */
export const GENERATED_INPUT = "input";

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
    c.report({
      path: ["model"],
      expected: "a model: a file path, { path: file.onnx } or { generate: resnet18, seed: 1 }",
      found: "a mapping with neither path nor generate",
    });
    return undefined;
  }
  const resolvedPath = resolve(dir, obj.path);
  if (!existsSync(resolvedPath)) {
    // A bare generated-model name ("resnet18") is a file path here: say how to generate it.
    const arch =
      /^[\w.-]+$/.test(obj.path) && !/\.(onnx|pt|pth|plan|engine)$/i.test(obj.path)
        ? closest(obj.path, RESNET_DEPTHS)
        : undefined;
    const hint = arch
      ? `To generate a ${arch} instead of reading a file, write \`model: { generate: ${arch} }\`.`
      : "Paths are relative to the scenario file's folder.";
    c.report({
      path: pathAt,
      expected: `an existing model file (looked for ${resolvedPath})`,
      found: `"${obj.path}"`,
      hint,
    });
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
      c.report({
        path: ["profile", "inputs", name],
        expected: `the generated ${arch}'s one input, "${GENERATED_INPUT}"`,
        found: `input "${name}"`,
        key: true,
      });
    }
  }
  const p = profile[GENERATED_INPUT];
  if (!p) return;
  // The fp16 variant also takes float32 input (it casts inside the graph).
  if (p.dtype !== "float32") {
    c.report({
      path: ["profile", "inputs", GENERATED_INPUT, "dtype"],
      at: ["profile", "inputs", GENERATED_INPUT],
      expected: `float32, the generated ${arch}'s input type`,
      found: p.dtype,
    });
  }
  for (const k of ["min", "opt", "max"] as const) {
    const s = p[k];
    // Five stride-2 stages: smaller images vanish before the global pool (src/models/resnet.ts).
    if (s.length !== 4 || s[1] !== 3 || s[2]! < 32 || s[3]! < 32) {
      c.report({
        path: ["profile", "inputs", GENERATED_INPUT, k],
        expected: `[batch, 3, height ≥ 32, width ≥ 32] for the generated ${arch}`,
        found: dimsText(s),
      });
    }
  }
}

/**
 * Semantic checks and dependent defaults over the sections that passed the schema
 * (`parts`). Returns the Scenario when every section is present and no check failed.
 */
export function resolveScenario(
  parts: Partial<RawScenario>,
  rawKeys: ReadonlySet<string>,
  absFile: string,
  c: Checker,
): Scenario | undefined {
  const dir = dirname(absFile);
  const { engine, strategies } = parts;
  const descriptor = engine ? engineDescriptor(engine) : undefined;

  const profile = parts.profile ? resolveProfile(parts.profile.inputs, c) : undefined;
  let model: ModelSpec | undefined;
  if (parts.model !== undefined) model = resolveModel(parts.model, dir, c);
  else if (!rawKeys.has("model") && descriptor?.modelOptional) model = { kind: "none" };
  else if (!rawKeys.has("model") && engine) {
    c.report({
      path: ["model"],
      expected: `a model for engine ${engine}: a file path, { path: file.onnx } or { generate: resnet18, seed: 1 }`,
      found: "nothing",
      hint: `model is required (only engine ${REGISTRY.filter((d) => d.modelOptional)
        .map((d) => d.name)
        .join(", ")} may leave it out).`,
    });
  }
  if (model?.kind === "generate" && profile) checkGeneratedInputs(profile, model.arch, c);
  // The engines that read ONNX; a process worker may take any file.
  if (model?.kind === "file" && profile && descriptor?.readsOnnx && isOnnxPath(model.resolvedPath)) {
    checkOnnxInputs(model.resolvedPath, typeof parts.model === "string" ? ["model"] : ["model", "path"], profile, c);
  }
  const sequences =
    parts.profile && profile && parts.run
      ? resolveSequences(parts.profile.sequence, profile, parts.run.seed, c)
      : undefined;

  let precisions: Precision[] | undefined;
  if (parts.precision !== undefined) {
    precisions = Array.isArray(parts.precision) ? parts.precision : [parts.precision];
    precisions.forEach((p, i) => {
      const first = precisions!.indexOf(p);
      if (first !== i)
        c.report({
          path: ["precision", i],
          expected: "each precision once",
          found: `"${p}" again (also precision[${first}])`,
        });
    });
  }
  // Each sequence × precision is a separate run (a child process per strategy each): cap it.
  if (sequences && precisions && sequences.length * precisions.length > MAX_RUNS) {
    const n = sequences.length * precisions.length;
    const seqPath: DataPath = ["profile", "sequence"];
    c.report({
      path: sequences.length > 1 ? seqPath : ["precision"],
      expected: `at most ${MAX_RUNS} runs (sequences × precisions)`,
      found: `${sequences.length} sequence${sequences.length === 1 ? "" : "s"} × ${precisions.length} precision${precisions.length === 1 ? "" : "s"} = ${n} runs`,
      hint: "Split the scenario into several files.",
    });
  }

  const listed = strategies ? [...new Set(strategies)].join(", ") : "";
  if (strategies) {
    strategies.forEach((s, i) => {
      const first = strategies.indexOf(s);
      if (first !== i)
        c.report({
          path: ["strategies", i],
          expected: "each strategy once",
          found: `"${s}" again (also strategies[${first}])`,
        });
      else if (engine && strategyUnsupported(engine, s) !== null) {
        const runsIt = REGISTRY.filter((d) => d.strategies[s] === null).map((d) => d.name);
        c.report({
          path: ["strategies", i],
          expected: `a strategy the ${engine} engine runs (${strategiesOf(engine).join(", ")})`,
          found: `"${s}"`,
          hint: `${engine}: ${descriptor?.strategies[s]}. ${s} runs on ${runsIt.join(" or ")}.`,
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
      expected:
        field === "iterations"
          ? `at least run.rounds = ${parts.run.rounds} (every round needs an iteration)`
          : `at most run.iterations = ${parts.run.iterations} (every round needs an iteration)`,
      found: String(parts.run[field]),
    });
  }

  if (engine) {
    for (const { name: section } of REGISTRY) {
      if (rawKeys.has(section) && section !== engine) {
        c.report({
          path: [section],
          expected: `no ${section} section (engine is ${engine})`,
          found: `a ${section} section`,
          hint: `Remove it, or set engine: ${section}.`,
          key: true,
        });
      }
    }
    if (descriptor?.sectionRequired && !rawKeys.has(engine)) {
      c.report({
        path: [engine],
        at: ["engine"],
        expected: `a ${engine} section (engine is ${engine})`,
        found: "nothing",
        hint:
          engine === "process" ? "Add e.g. process: { command: [python3, worker.py] }." : `Add a ${engine}: section.`,
      });
    }
    const f = parts.faults;
    if (f && !descriptor?.plantsFaults && ((f.leakBytesPerIteration ?? 0) > 0 || (f.retainOutputsEvery ?? 0) > 0)) {
      c.report({
        path: ["faults"],
        expected: `faults only with an engine that plants them (${REGISTRY.filter((d) => d.plantsFaults)
          .map((d) => d.name)
          .join(" or ")})`,
        found: `faults with engine ${engine}`,
        key: true,
      });
    }
  }

  if (parts.gate && strategies) {
    for (const field of ["allow", "minSpeedup"] as const) {
      for (const k of Object.keys(parts.gate[field])) {
        if (!strategies.includes(k as StrategyName)) {
          c.report({
            path: ["gate", field, k],
            expected: `a strategy listed in strategies (${listed})`,
            found: `"${k}"`,
            key: true,
          });
        } else if (field === "minSpeedup" && k === baseline) {
          c.report({
            path: ["gate", field, k],
            expected: "a strategy other than the baseline (its speedup is 1 by definition)",
            found: `"${k}", the baseline`,
            key: true,
          });
        }
      }
    }
  }

  // The scenario's own engine section: checks that need the file's folder, paths made absolute.
  let ownSection: unknown;
  if (engine && descriptor && parts[engine] !== undefined) {
    const report = (p: SectionProblem) => c.report({ ...p, path: [engine, ...p.path] });
    const raw = parts[engine];
    ownSection = descriptor.resolveSection ? descriptor.resolveSection(raw, dir, report) : raw;
  }

  // Combinations of settings, each checked against the engine's own section.
  let sweep: SweepPlan | undefined;
  if (parts.sweep && engine && descriptor && precisions && sequences && parts.profile && parts.run) {
    sweep = resolveSweep(
      parts.sweep,
      {
        descriptor,
        section: parts[engine] ?? descriptor.section.parse({}),
        dir,
        precisionsCount: precisions.length,
        sequencesCount: sequences.length,
        sequenceLabels: sequences.map((q) => q.label),
        sequence: parts.profile.sequence,
        runSeed: parts.run.seed,
      },
      c,
    );
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
    (descriptor?.sectionRequired && ownSection === undefined)
  ) {
    return undefined;
  }
  // Every engine's section: the scenario's own as resolved, the others' defaults (the
  // results file stores them all, for reproduction); one with required fields only when it is the engine's.
  const sections: Record<string, unknown> = {};
  for (const d of REGISTRY) {
    if (d.name === engine) sections[d.name] = ownSection ?? d.section.parse({});
    else if (!d.sectionRequired) sections[d.name] = d.section.parse({});
  }
  const scenario = {
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
    ...sections,
  } as Scenario;
  if (parts.description !== undefined) scenario.description = parts.description;
  if (sweep) scenario.sweep = sweep;
  return scenario;
}
