import type { Precision, Scenario, ShapeMap, StrategyName } from "../scenarios/types.js";

/**
 * An inference engine hosted in JS (onnxruntime, process). The lifecycle mirrors
 * Polygraphy's runner: load() once per child; activate()/infer()/deactivate() as the
 * strategy dictates (src/run/strategy-loop.ts); close() when the child ends.
 * Native engines (libtorch, TensorRT) implement the same contract in C++
 * (native/engines/engine.h) and run their loop natively.
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
  /** Engine-level memory figures in bytes (allocator, arena), keyed by signal name. */
  memoryStats?(): Record<string, number>;
  /** false when the engine runs on no GPU (judge host memory); undefined when unknown. */
  usesGpu?(): boolean | undefined;
  /** Other processes whose device memory belongs to this run (the process engine's worker). */
  extraPids?(): number[];
  /** Free everything, including what load() made. */
  close(): Promise<void>;
}

export interface EngineInit {
  scenario: Scenario;
  precision: Precision;
  strategy: StrategyName;
  /** Absolute path of the model file (generated models are materialised before). */
  modelPath: string;
}

/** Thrown for conditions the user must fix (missing provider, unsupported strategy): exit 3, no stack. */
export class EngineUnavailableError extends Error {
  override name = "EngineUnavailableError";
}

/** Thrown when the engine ran out of device memory: a finding, recorded as state `oom`. */
export class OutOfMemoryError extends Error {
  override name = "OutOfMemoryError";
}
