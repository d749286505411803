/**
 * Engine by name → a Driver for one strategy's child. JS engines are imported lazily so
 * a machine without onnxruntime-node (the GPU machine's package set) still runs the others.
 */
import type { ScenarioRun, StrategyName } from "../scenarios/types.js";
import { EngineUnavailableError } from "../engines/types.js";
import { JsDriver, NativeDriver, type Driver } from "./drivers.js";
import { jsStrategyUnsupported } from "./strategy-loop.js";

export async function createDriver(run: ScenarioRun, strategy: StrategyName, modelPath: string): Promise<Driver> {
  const s = run.scenario;
  const init = { scenario: s, precision: run.precision, strategy, modelPath };
  switch (s.engine) {
    case "onnxruntime": {
      const why = jsStrategyUnsupported(strategy);
      if (why) throw new EngineUnavailableError(`onnxruntime: ${why}`);
      const { createOnnxRuntimeEngine } = await import("../engines/onnxruntime/engine.js");
      return new JsDriver(createOnnxRuntimeEngine(init), strategy);
    }
    case "process": {
      const why = jsStrategyUnsupported(strategy);
      if (why) throw new EngineUnavailableError(`process: ${why}`);
      const { createProcessEngine } = await import("../engines/process/engine.js");
      return new JsDriver(createProcessEngine(init), strategy);
    }
    case "libtorch":
    case "tensorrt":
      return new NativeDriver(run, strategy, modelPath);
  }
}
