/**
 * What every engine shares: the words scenarios use to ask for work (strategies,
 * precisions, shapes, input values), what a JS-hosted engine is given and must do, and the
 * descriptor each engine folder exports for the registry (src/engines/registry.ts).
 *
 * Engines sit below scenarios: they never read a scenario file or its types. A scenario
 * asks the registry what an engine accepts; the run hands an engine only what it needs.
 */
import type { AllocationSites, AllocationTraceRequest } from "./allocation-sites.js";
import type * as z from "zod";

/** Context strategies, engine-neutral (README: "Context strategies"). */
export const STRATEGIES = ["persistent", "teardown", "scoped", "per-shape", "user-managed"] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export const PRECISIONS = ["fp32", "fp16", "bf16", "int8", "fp8"] as const;
export type Precision = (typeof PRECISIONS)[number];

export const DTYPES = ["float32", "float16", "int64", "int32"] as const;
type InputDtype = (typeof DTYPES)[number];

/**
 * Values fed to an input: `{ min, max }` (inclusive; integers in [min, max] for integer
 * dtypes, uniform in [min, max] for float dtypes), or every element 1 (`ones`) or 0
 * (`zeros`). Real models need valid values, not just shapes: token ids below the
 * vocabulary size, attention masks of 0/1.
 */
export type InputValues = { min: number; max: number } | "ones" | "zeros";

/** A tensor shape: one positive integer per dimension. */
export type Shape = number[];
/** One shape per model input, keyed by input name. */
export type ShapeMap = Record<string, Shape>;

export interface InputProfile {
  /** Smallest shape the engine must accept. */
  min: Shape;
  /** Shape the engine is tuned for (TensorRT's opt). */
  opt: Shape;
  /** Largest shape; memory is often sized for it. */
  max: Shape;
  /** Element type fed to this input. Default float32. */
  dtype: InputDtype;
  /**
   * Values fed to this input. Absent: each engine's own deterministic fill
   * (scenarios/README-fields.md lists them; a process worker chooses its own).
   */
  values?: InputValues;
}

/** What one strategy's child hands a JS-hosted engine. */
export interface EngineInit<Section = unknown> {
  strategy: StrategyName;
  precision: Precision;
  /** Absolute path of the model file (generated models are materialised before); "" when the engine loads its own. */
  modelPath: string;
  /** Per model input, in the model's input order. */
  inputs: Record<string, InputProfile>;
  /** Seed for generated input values. */
  seed: number;
  /** GPU index the run samples. */
  device: number;
  /** This engine's scenario section, validated and with defaults and paths resolved. */
  section: Section;
  /** Where the request came from, for messages and the worker's hello: the scenario's name and absolute file. */
  source: { name: string; file: string };
  /** Seconds without progress that count as a hang (the run's watchdog). */
  watchdogS: number;
}

/**
 * An inference engine hosted in JS (onnxruntime, process). The lifecycle mirrors
 * Polygraphy's runner: load() once per child; activate()/infer()/deactivate() as the
 * strategy dictates (src/run/strategy-loop.ts); close() when the child ends.
 * Native engines (libtorch, TensorRT) implement the same contract in C++
 * (native/engines/engine.h) and run their loop natively. src/engines/lifecycle.ts is the
 * base class that guards the order of these calls.
 */
export interface JsEngine {
  readonly name: string;
  /** Human-readable versions for the results' environment, e.g. { onnxruntime: "1.30.0" }. */
  versions(): Record<string, string>;
  /** Load the model (parse, build) — not timed, done once. */
  load(): Promise<void>;
  /** Create what the strategy keeps alive (session, context, buffers). */
  activate(): Promise<void>;
  /** One inference on inputs of the given shape. Resolves when outputs are ready. */
  infer(shape: ShapeMap): Promise<void>;
  /** Release what activate() created. */
  deactivate(): Promise<void>;
  /**
   * Optional: whether inferBatch() may be used now (after load(); a process worker says so
   * in hello). Engines without it run call by call.
   */
  canBatch?(): boolean;
  /**
   * Optional: runs one call per shape back to back and times each itself (CLOCK_MONOTONIC
   * ns). Mode `active`: infer in the active context; `scoped`: activate → infer →
   * deactivate around every call (the context is inactive before and after). On a failure
   * the error carries `callsDone` (BatchCallsDone): the calls that ran before it.
   */
  inferBatch?(shapes: ShapeMap[], mode: BatchMode): Promise<BatchTimes>;
  /** Engine-level memory figures in bytes (allocator, arena), keyed by signal name. */
  memoryStats?(): Record<string, number>;
  /** false when the engine runs on no GPU (judge host memory); undefined when unknown. */
  usesGpu?(): boolean | undefined;
  /** Other processes whose device memory belongs to this run (the process engine's worker). */
  extraPids?(): number[];
  /**
   * Optional: PyTorch allocation history in the engine's process (the process engine's
   * Python helper). `start` resolves to undefined; `stop` to the top allocation sites.
   */
  traceAllocations?(request: AllocationTraceRequest): Promise<AllocationSites | undefined>;
  /** Free everything, including what load() made. */
  close(): Promise<void>;
}

/** What an engine does around each call of a batch (JsEngine.inferBatch). */
export type BatchMode = "active" | "scoped";

/** The calls of a batch that ran, in order: start and end on CLOCK_MONOTONIC, ns; per-call figures when known. */
export interface BatchTimes {
  startNs: number[];
  endNs: number[];
  /** Engine memory figures after each call, keyed by signal name (one entry per call). */
  stats?: Record<string, number[]>;
}

/** What an error thrown by inferBatch carries: the calls before the failing one (failedAt = startNs.length). */
export interface BatchCallsDone {
  callsDone: BatchTimes;
}

/** The calls a failed inferBatch completed, or none when the error does not say. */
export function callsDoneOf(err: unknown): BatchTimes {
  const done = (err as Partial<BatchCallsDone> | null)?.callsDone;
  return done ?? { startNs: [], endNs: [] };
}

/** Attaches the completed calls to a batch failure (see BatchCallsDone). */
export function withCallsDone<E extends Error>(err: E, callsDone: BatchTimes): E & BatchCallsDone {
  return Object.assign(err, { callsDone });
}

/** A problem found in an engine's section, reported by the scenario checker with file:line:col. */
export interface SectionProblem {
  /** Path inside the section, e.g. ["env", "A=B"]. */
  path: (string | number)[];
  expected: string;
  found: string;
  hint?: string;
  /** The problem is the key itself (point at the key, not its value). */
  key?: boolean;
}

/**
 * One engine, as the registry knows it. Everything vramgate decides per engine is asked
 * here: which strategies it runs and why not the others, whether it uses a GPU, its
 * scenario section, how to create it.
 */
export interface EngineDescriptor<Name extends string = string, Section extends z.ZodType = z.ZodType> {
  name: Name;
  /** One line for `vramgate doctor` and the README. */
  summary: string;
  /**
   * Per strategy: null when the engine runs it, else why not (one clause, shown to the
   * user after "<engine> does not support <strategy>: ").
   */
  strategies: Record<StrategyName, string | null>;
  /** true when the engine may run without a model in the scenario (a process worker loads its own). */
  modelOptional: boolean;
  /** true when the engine reads the model as ONNX (its inputs are checked against the profile). */
  readsOnnx: boolean;
  /** Whether the engine can plant faults (faults.leakBytesPerIteration, retainOutputsEvery). */
  plantsFaults: boolean;
  /** The scenario section named after the engine (defaults filled by the schema). */
  section: Section;
  /** true when a scenario with this engine must have the section (it has required fields). */
  sectionRequired: boolean;
  /**
   * Checks and path resolution that need the scenario's folder (relative paths), after the
   * schema passed. Returns the section to run with.
   */
  resolveSection?(section: z.output<Section>, dir: string, report: (p: SectionProblem) => void): z.output<Section>;
  /** Whether a run uses the GPU (false: judge host memory); undefined when only the engine knows. */
  usesGpu(section: z.output<Section>): boolean | undefined;
  /**
   * How the engine is hosted: "js" engines are created here (imported lazily, so a machine
   * without one engine's packages still runs the others); "native" ones live in the addon.
   */
  host: { kind: "js"; create(init: EngineInit<z.output<Section>>): Promise<JsEngine> } | { kind: "native" };
}

/** Why an engine does not run a strategy, worded for the user; null when it does. */
export function strategyRefusal(d: EngineDescriptor, strategy: StrategyName): string | null {
  const why = d.strategies[strategy];
  if (why === null) return null;
  const runs = STRATEGIES.filter((s) => d.strategies[s] === null).join(", ");
  return `${d.name} does not support strategy "${strategy}": ${why} (it runs ${runs})`;
}
