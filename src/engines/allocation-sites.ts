/**
 * Allocation stacks for a leak: what a process worker's PyTorch allocation history says
 * about the blocks still alive that were allocated during a traced run (docs/protocol.md,
 * the `traceAllocations` op; python/vramgate_trace.py builds the figures).
 */

/** One source line, the first frame of a block's stack in the user's code. */
export interface AllocationSite {
  file: string;
  line: number;
  function: string;
  /** Bytes requested by the live blocks allocated here during the traced calls. */
  bytes: number;
  /** Live blocks allocated here. */
  count: number;
}

/** The top allocation sites of one traced run, most bytes first. */
export interface AllocationSites {
  /**
   * The pickled `torch.cuda.memory._snapshot()`, relative to the results file's folder;
   * it opens in PyTorch's memory visualiser (https://pytorch.org/memory_viz). Absent when
   * the worker saved none.
   */
  snapshotFile?: string;
  /** The top sites (at most 10), most bytes first. */
  sites: AllocationSite[];
  /** Every live block allocated during the traced calls (sites beyond the top ones too): bytes and count. */
  bytes: number;
  count: number;
  /** Calls run while the history was recorded (after warm-up, rounds and confirmation). */
  calls?: number;
}

/** What a traced run ends with: the sites, or why there are none (no torch in the worker, say). */
export type AllocationTraceOutcome = AllocationSites | { error: string; calls?: number };

/** start: record the allocation history from now on; stop: snapshot, save it at snapshotPath, stop. */
export type AllocationTraceRequest =
  | { action: "start"; maxEntries?: number }
  | { action: "stop"; snapshotPath?: string };
