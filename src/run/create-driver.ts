/**
 * Engine by name → a Driver for one strategy's child, asking the registry: JS-hosted
 * engines are created by their descriptor (imported lazily), native ones run in the addon.
 */
import { EngineUnavailableError } from "../errors.js";
import type { EngineInit } from "../engines/contract.js";
import { engineDescriptor, strategyUnsupported } from "../engines/registry.js";
import type { Precision, Scenario, ScenarioRun, StrategyName } from "../scenarios/types.js";
import { JsDriver, NativeDriver, type Driver } from "./drivers.js";

/**
 * What a JS-hosted engine is given for one strategy of a run. `section` is the scenario's
 * own engine's section (typed `never` so that engine's create() takes it as its own type).
 */
export function engineInit(
  s: Scenario,
  precision: Precision,
  strategy: StrategyName,
  modelPath: string,
): EngineInit<never> {
  return {
    strategy,
    precision,
    modelPath,
    inputs: s.profile,
    seed: s.run.seed,
    device: s.memory.device,
    section: s[s.engine] as never,
    source: { name: s.name, file: s.file },
    watchdogS: s.run.watchdogS,
  };
}

export async function createDriver(run: ScenarioRun, strategy: StrategyName, modelPath: string): Promise<Driver> {
  const engine = run.scenario.engine;
  const why = strategyUnsupported(engine, strategy);
  if (why) throw new EngineUnavailableError(why);
  const host = engineDescriptor(engine).host;
  if (host.kind === "native") return new NativeDriver(run, strategy, modelPath);
  return new JsDriver(await host.create(engineInit(run.scenario, run.precision, strategy, modelPath)), strategy);
}
