/**
 * What a strategy's child runs: a JS-hosted engine under the TS strategy loop, or a
 * native engine whose loop runs on a native worker thread. Both report per-call marks.
 */
import { EngineUnavailableError, isOutOfMemory } from "../errors.js";
import { callsDoneOf, type BatchTimes, type JsEngine } from "../engines/contract.js";
import type { AllocationSites, AllocationTraceRequest } from "../engines/allocation-sites.js";
import type { ScenarioRun, ShapeMap, StrategyName } from "../scenarios/types.js";
import { loadAddon, addonStatus } from "../native/binding.js";
import type { NativeMarkBatch } from "../native/AddonTypes.js";
import { type CallMark, JsStrategyLoop } from "./strategy-loop.js";
import { shapeKey, type MarkBatch } from "./protocol.js";

export interface Driver {
  load(): Promise<void>;
  versions(): Record<string, string>;
  extraPids(): number[];
  engineMemory(): Record<string, number> | undefined;
  /** false when the engine declares it uses no GPU; undefined when it does not say. */
  usesGpu(): boolean | undefined;
  /** Runs the calls for the given shapes (absolute indices from firstIndex). */
  runCalls(shapes: ShapeMap[], firstIndex: number, onMarks: (b: MarkBatch) => void): Promise<void>;
  finish(): Promise<void>;
  /** PyTorch allocation history in the engine's process; absent where the engine has none. */
  traceAllocations?(request: AllocationTraceRequest): Promise<AllocationSites | undefined>;
  /**
   * Frees the engine. The strategy's child never calls it (it exits instead, so persistent
   * contexts live until the process ends, as in a real service); benchmarks and tests do.
   */
  close(): Promise<void>;
}

/** Error raised by a driver with the call index at which it happened. */
export class CallError extends Error {
  constructor(
    message: string,
    readonly kind: "oom" | "errored",
    readonly index: number | undefined,
    readonly lastExchange?: string,
  ) {
    super(message);
  }
}

const MARK_BATCH = 256;
const MARK_FLUSH_MS = 50;
/** A batch run inside the engine aims at this much work, so a request's fixed cost is a small share of it. */
const ENGINE_BATCH_TARGET_MS = 250;
const ENGINE_BATCH_MAX_CALLS = 4096;

function emptyBatch(): MarkBatch {
  return { index: [], startNs: [], endNs: [], gpuMs: [], shape: [], stats: {} };
}

export class JsDriver implements Driver {
  private readonly loop: JsStrategyLoop;
  /** Calls in the next engine batch (grows to about ENGINE_BATCH_TARGET_MS of work). */
  private nextBatchCalls = 1;
  constructor(
    private readonly engine: JsEngine,
    strategy: StrategyName,
  ) {
    this.loop = new JsStrategyLoop(engine, strategy);
  }
  load(): Promise<void> {
    return this.engine.load();
  }
  versions(): Record<string, string> {
    return this.engine.versions();
  }
  extraPids(): number[] {
    return this.engine.extraPids?.() ?? [];
  }
  engineMemory(): Record<string, number> | undefined {
    return this.engine.memoryStats?.();
  }
  usesGpu(): boolean | undefined {
    return this.engine.usesGpu?.();
  }
  traceAllocations(request: AllocationTraceRequest): Promise<AllocationSites | undefined> {
    if (!this.engine.traceAllocations)
      return Promise.reject(
        new Error(`the ${this.engine.name} engine records no allocation history (process workers with PyTorch do)`),
      );
    return this.engine.traceAllocations(request);
  }
  async runCalls(shapes: ShapeMap[], firstIndex: number, onMarks: (b: MarkBatch) => void): Promise<void> {
    let batch = emptyBatch();
    let lastFlush = Date.now();
    const flush = () => {
      if (batch.index.length) onMarks(batch);
      batch = emptyBatch();
      lastFlush = Date.now();
    };
    if (this.loop.batched) {
      await this.runBatches(shapes, firstIndex, onMarks);
      return;
    }
    for (let k = 0; k < shapes.length; k++) {
      const index = firstIndex + k;
      let mark: CallMark;
      try {
        mark = await this.loop.call(index, shapes[k]!);
      } catch (e) {
        flush();
        throw toCallError(e, index);
      }
      batch.index.push(mark.index);
      batch.startNs.push(mark.startNs);
      batch.endNs.push(mark.endNs);
      batch.gpuMs.push(-1);
      batch.shape.push(shapeKey(mark.shape));
      if (mark.stats) {
        for (const [name, v] of Object.entries(mark.stats)) {
          batch.stats[name] ??= [];
          batch.stats[name].push(v);
        }
      }
      if (batch.index.length >= MARK_BATCH || Date.now() - lastFlush >= MARK_FLUSH_MS) flush();
    }
    flush();
  }
  /**
   * The engine runs the calls itself, in batches sized to about ENGINE_BATCH_TARGET_MS of
   * work (starting with one call, to learn how long a call takes). The next batch is sent
   * before this one's marks are recorded and sent on, so that work overlaps the engine's.
   */
  private async runBatches(shapes: ShapeMap[], firstIndex: number, onMarks: (b: MarkBatch) => void): Promise<void> {
    const record = (from: number, t: BatchTimes) => {
      const n = t.startNs.length;
      const b = emptyBatch();
      for (let k = 0; k < n; k++) {
        b.index.push(firstIndex + from + k);
        b.startNs.push(t.startNs[k]!);
        b.endNs.push(t.endNs[k]!);
        b.gpuMs.push(-1);
        b.shape.push(shapeKey(shapes[from + k]!));
      }
      if (t.stats) {
        for (const [name, col] of Object.entries(t.stats)) {
          const finite = col.slice(0, n).filter((v) => Number.isFinite(v));
          if (finite.length) b.stats[name] = finite;
        }
      }
      if (n) onMarks(b);
    };
    let k = 0;
    let n = Math.min(this.nextBatchCalls, shapes.length);
    let pending: Promise<BatchTimes> | undefined = n > 0 ? this.loop.callBatch(shapes.slice(0, n)) : undefined;
    while (pending) {
      let t: BatchTimes;
      try {
        t = await pending;
      } catch (e) {
        const done = callsDoneOf(e);
        record(k, done);
        throw toCallError(e, firstIndex + k + done.startNs.length);
      }
      const from = k;
      k += n;
      const calls = t.startNs.length;
      const meanMs = calls ? (t.endNs[calls - 1]! - t.startNs[0]!) / 1e6 / calls : 0;
      this.nextBatchCalls = Math.max(
        1,
        Math.min(ENGINE_BATCH_MAX_CALLS, 2 * n, Math.floor(ENGINE_BATCH_TARGET_MS / Math.max(meanMs, 1e-3))),
      );
      n = Math.min(this.nextBatchCalls, shapes.length - k);
      pending = n > 0 ? this.loop.callBatch(shapes.slice(k, k + n)) : undefined;
      try {
        record(from, t);
      } catch (e) {
        pending?.catch(() => {}); // the run stops with record's error; the batch in flight is abandoned
        throw e;
      }
    }
  }
  finish(): Promise<void> {
    return this.loop.finish();
  }
  close(): Promise<void> {
    return this.engine.close();
  }
}

function toCallError(e: unknown, index: number): Error {
  if (e instanceof EngineUnavailableError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const kind = isOutOfMemory(err) ? "oom" : "errored";
  const lastExchange = (err as { lastExchange?: string }).lastExchange;
  return new CallError(err.message, kind, index, lastExchange);
}

/** A native engine (libtorch, tensorrt) from the addon; its loop runs off the JS thread. */
export class NativeDriver implements Driver {
  private readonly engine;
  constructor(
    private readonly run: ScenarioRun,
    private readonly strategy: StrategyName,
    modelPath: string,
  ) {
    const addon = loadAddon();
    const kind = run.scenario.engine;
    if (!addon)
      throw new EngineUnavailableError(
        `the ${kind} engine needs the native addon, which did not load: ${addonStatus().reason}`,
      );
    const s = run.scenario;
    const options: Record<string, string> = {};
    const section = s[kind === "tensorrt" ? "tensorrt" : "libtorch"];
    // Mappings (libtorch's env) are for the process, not the engine's options.
    for (const [k, v] of Object.entries(section))
      if (v !== undefined && (Array.isArray(v) || typeof v !== "object"))
        options[k] = Array.isArray(v) ? v.join(",") : String(v);
    try {
      this.engine = new addon.NativeEngine(kind, {
        modelPath,
        precision: run.precision,
        device: s.memory.device,
        profile: Object.entries(s.profile).map(([name, p]) => ({
          name,
          min: p.min,
          opt: p.opt,
          max: p.max,
          dtype: p.dtype,
          ...(p.values !== undefined ? { values: p.values } : {}),
        })),
        faults: {
          leakBytesPerIteration: s.faults.leakBytesPerIteration ?? 0,
          retainOutputsEvery: s.faults.retainOutputsEvery ?? 0,
        },
        options,
      });
    } catch (e) {
      throw new EngineUnavailableError((e as Error).message);
    }
    const why = this.engine.unsupported(strategy);
    if (why) throw new EngineUnavailableError(`${kind} does not support strategy "${strategy}": ${why}`);
  }
  async load(): Promise<void> {
    await this.engine.load();
    const section = this.run.scenario.engine === "tensorrt" ? this.run.scenario.tensorrt : this.run.scenario.libtorch;
    this.engine.begin(this.strategy, { perShapePoolSize: section.perShapePoolSize });
  }
  versions(): Record<string, string> {
    return this.engine.versions();
  }
  extraPids(): number[] {
    return [];
  }
  engineMemory(): Record<string, number> | undefined {
    return this.engine.memoryStats();
  }
  usesGpu(): boolean | undefined {
    return true;
  }
  async runCalls(shapes: ShapeMap[], firstIndex: number, onMarks: (b: MarkBatch) => void): Promise<void> {
    const keys = shapes.map(shapeKey);
    try {
      await this.engine.runCalls(shapes, firstIndex, (b: NativeMarkBatch) => {
        const n = b.index.length;
        const batch: MarkBatch = {
          index: Array.from(b.index),
          startNs: Array.from(b.startNs),
          endNs: Array.from(b.endNs),
          gpuMs: Array.from(b.gpuMs),
          shape: [],
          stats: {},
        };
        for (let i = 0; i < n; i++) batch.shape.push(keys[b.index[i]! - firstIndex] ?? "");
        for (const [name, arr] of Object.entries(b.stats)) batch.stats[name] = Array.from(arr);
        onMarks(batch);
      });
    } catch (e) {
      const err = e as Error & { kind?: string; index?: number };
      throw new CallError(err.message, err.kind === "oom" ? "oom" : "errored", err.index);
    }
  }
  finish(): Promise<void> {
    return this.engine.finish();
  }
  async close(): Promise<void> {
    // The native engine is released with the process; persistent contexts must survive
    // until exit on purpose, so nothing is destroyed here.
  }
}
