/**
 * The strategy loop for engines hosted in JS (onnxruntime, process). It is the only
 * place that decides when a JS engine's context lives; native engines have the same
 * rules in native/engines/strategy_loop.cc.
 *
 *  persistent  activate before the first call, never deactivate (the process exit frees it)
 *  teardown    as persistent, deactivate at finish()
 *  scoped      activate → infer → deactivate around every call (the baseline)
 */
import type { JsEngine } from "../engines/contract.js";
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

  /** End of the run: teardown releases; persistent keeps its context on purpose. */
  async finish(): Promise<void> {
    if (this.strategy === "teardown" && this.active) {
      await this.engine.deactivate();
      this.active = false;
    }
  }
}
