/**
 * Every engine vramgate knows, one line each. Scenario validation, the JSON Schema,
 * doctor, the strategy's child and the report ask here; adding an engine is a folder
 * under src/engines/ that exports an EngineDescriptor, plus its line below.
 */
import type * as z from "zod";
import type { EngineDescriptor, StrategyName } from "./contract.js";
import { strategyRefusal } from "./contract.js";
import { libtorch } from "./libtorch/index.js";
import { onnxruntime } from "./onnxruntime/index.js";
import { processEngine } from "./process/index.js";
import { tensorrt } from "./tensorrt/index.js";

export const REGISTRY = [onnxruntime, libtorch, tensorrt, processEngine] as const;

type Registered = (typeof REGISTRY)[number];
export type EngineName = Registered["name"];
export const ENGINES = REGISTRY.map((d) => d.name) as EngineName[];

/** Engines whose section has required fields, so a scenario holds it only when it names that engine. */
export type RequiredSectionEngine = Extract<Registered, { sectionRequired: true }>["name"];

/** Each engine's section as a validated scenario holds it (defaults filled, paths resolved). */
export type EngineSections = { [D in Registered as D["name"]]: z.output<D["section"]> };

export function engineDescriptor(name: EngineName): EngineDescriptor {
  const d = REGISTRY.find((e) => e.name === name);
  if (!d) throw new Error(`no engine named "${name}" in the registry`);
  return d as EngineDescriptor;
}

/** Why `engine` does not run `strategy`, worded for the user; null when it does. */
export function strategyUnsupported(engine: EngineName, strategy: StrategyName): string | null {
  return strategyRefusal(engineDescriptor(engine), strategy);
}

/** Strategies an engine runs, in the canonical order. */
export function strategiesOf(engine: EngineName): StrategyName[] {
  const d = engineDescriptor(engine);
  return (Object.keys(d.strategies) as StrategyName[]).filter((s) => d.strategies[s] === null);
}
