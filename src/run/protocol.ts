/**
 * Messages between the parent (orchestrator) and one strategy's child process, over
 * Node's IPC channel. The parent drives; the child executes and reports. Every child
 * message is small; iteration marks travel in batches.
 */
import type { AllocationTraceOutcome, AllocationTraceRequest } from "../engines/allocation-sites.js";
import type { ScenarioRun, ShapeMap, StrategyName } from "../scenarios/types.js";

export type ParentMessage =
  | { type: "init"; run: ScenarioRun; strategy: StrategyName; modelPath: string }
  /**
   * Run calls [firstIndex, firstIndex + count) (absolute indices, warm-up first). With
   * `replayOf`, each call feeds again the shape of one of the calls [0, replayOf).
   */
  | {
      type: "calls";
      phase: CallPhase;
      round: number;
      firstIndex: number;
      count: number;
      total: number;
      replayOf?: number;
    }
  /** Release what the strategy holds (teardown-style release; persistent keeps it). */
  | { type: "finish" }
  /** Allocation history on / off in the engine (process workers with PyTorch); answered by `traced`. */
  | { type: "traceAllocations"; request: AllocationTraceRequest }
  | { type: "exit" };

/** warmup: not measured; round: timed into throughput rounds; replay: the confirmation experiment (memory only). */
export type CallPhase = "warmup" | "round" | "replay";

/** Per-call marks in columnar form. Times are CLOCK_MONOTONIC nanoseconds. */
export interface MarkBatch {
  index: number[];
  startNs: number[];
  endNs: number[];
  /** GPU time of the call in ms, or -1 when not measured. */
  gpuMs: number[];
  /** Shape key per call ("input:1x3x224x224"); repeated keys are cheap in IPC. */
  shape: string[];
  /** Engine-level memory after each call, bytes, per signal. */
  stats: Record<string, number[]>;
}

export type ChildMessage =
  | {
      type: "loaded";
      pid: number;
      extraPids: number[];
      versions: Record<string, string>;
      engineMemory?: Record<string, number>;
      /** false when the engine says it uses no GPU (a CPU-only process worker): judge host RSS. */
      usesGpu?: boolean;
    }
  | { type: "marks"; batch: MarkBatch }
  | { type: "callsDone"; phase: CallPhase; round: number; count: number }
  | { type: "finished"; engineMemory?: Record<string, number> }
  /** The answer to traceAllocations: the sites after stop, nothing after start, or why not (not a fault). */
  | { type: "traced"; outcome?: AllocationTraceOutcome }
  /** An engine fault. The child exits after sending it. */
  | { type: "fault"; kind: "oom" | "errored" | "unavailable"; message: string; index?: number; lastExchange?: string };

export function shapeKey(shape: ShapeMap): string {
  return Object.entries(shape)
    .map(([name, dims]) => `${name}:${dims.join("x")}`)
    .join(";");
}
