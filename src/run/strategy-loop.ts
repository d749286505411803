/**
 * The strategy loop for engines hosted in JS (onnxruntime, process). It is the only
 * place that decides when a JS engine's context lives; native engines have the same
 * rules in native/engines/strategy_loop.cc.
 *
 *  persistent  activate before the first call, never deactivate (the process exit frees it)
 *  teardown    as persistent, deactivate at finish()
 *  scoped      activate → infer → deactivate around every call (the baseline)
 */
import { callsDoneOf, withCallsDone, type BatchTimes, type JsEngine } from "../engines/contract.js";
import type { ShapeMap, StrategyName } from "../scenarios/types.js";

export interface CallMark {
  index: number;
  startNs: number;
  endNs: number;
  shape: ShapeMap;
  stats: Record<string, number> | undefined;
}

/** CLOCK_MONOTONIC in ns (libuv's hrtime is CLOCK_MONOTONIC on Linux), as a double. */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}

const JS_STRATEGIES: readonly StrategyName[] = ["persistent", "teardown", "scoped"];

export function jsStrategyUnsupported(strategy: StrategyName): string | null {
  return JS_STRATEGIES.includes(strategy)
    ? null
    : `strategy "${strategy}" needs a native engine (libtorch or tensorrt); JS-hosted engines support ${JS_STRATEGIES.join(", ")}`;
}

export class JsStrategyLoop {
  private active = false;

  constructor(
    private readonly engine: JsEngine,
    private readonly strategy: StrategyName,
  ) {
    const why = jsStrategyUnsupported(strategy);
    if (why) throw new Error(why);
  }

  /** Runs one call under the strategy; the mark covers everything the strategy does for it. */
  async call(index: number, shape: ShapeMap): Promise<CallMark> {
    const startNs = monotonicNs();
    if (this.strategy === "scoped") {
      await this.engine.activate();
      try {
        await this.engine.infer(shape);
      } finally {
        await this.engine.deactivate();
      }
    } else {
      if (!this.active) {
        await this.engine.activate();
        this.active = true;
      }
      await this.engine.infer(shape);
    }
    const endNs = monotonicNs();
    return { index, startNs, endNs, shape, stats: this.engine.memoryStats?.() };
  }

  /** Whether the engine runs batches itself (callBatch), so calls need no JS round trip each. */
  get batched(): boolean {
    return this.engine.inferBatch !== undefined && this.engine.canBatch?.() === true;
  }

  /**
   * Runs calls back to back inside the engine (JsEngine.inferBatch), under the same
   * strategy rules as call(): scoped activates and deactivates around every call (the
   * engine does it, inside each call's time); persistent and teardown activate before the
   * first call, whose start then includes the activation, as call() counts it. Times are
   * the engine's own (CLOCK_MONOTONIC); engines that give no per-call figures get their
   * memoryStats() after the batch. A failure is thrown with `callsDone` (BatchCallsDone).
   */
  async callBatch(shapes: ShapeMap[]): Promise<BatchTimes> {
    const inferBatch = this.engine.inferBatch!.bind(this.engine);
    let activatedAt: number | undefined;
    if (this.strategy !== "scoped" && !this.active) {
      activatedAt = monotonicNs();
      await this.engine.activate();
      this.active = true;
    }
    const complete = (t: BatchTimes): BatchTimes => {
      const n = t.startNs.length;
      if (n === 0) return t;
      if (activatedAt !== undefined) t.startNs[0] = activatedAt;
      if (!t.stats) {
        const figures = this.engine.memoryStats?.();
        if (figures) t.stats = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Array(n).fill(v)]));
      }
      return t;
    };
    try {
      return complete(await inferBatch(shapes, this.strategy === "scoped" ? "scoped" : "active"));
    } catch (err) {
      throw withCallsDone(err as Error, complete(callsDoneOf(err)));
    }
  }

  /** End of the run: teardown releases; persistent keeps its context on purpose. */
  async finish(): Promise<void> {
    if (this.strategy === "teardown" && this.active) {
      await this.engine.deactivate();
      this.active = false;
    }
  }
}
