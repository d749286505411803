/**
 * The cheapest real model onnxruntime will run: input[batch, width] → Relu → logits.
 * Used where the harness itself is under test (long runs, fault handling), so that the
 * measured calls cost microseconds and the harness's own behaviour dominates.
 */
import { planModel, concatChunks } from "./onnx-writer.js";
import { DataType } from "./onnx-proto.js";

export function buildTinyReluModel(width = 8): Uint8Array {
  const t = (name: string) => ({
    name,
    type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: "batch" }, { dimValue: width }] } } },
  });
  return concatChunks(
    planModel(
      { irVersion: 8, opsetVersion: 17, producerName: "vramgate", producerVersion: "tiny-relu-1" },
      {
        name: "tiny",
        nodes: [{ name: "relu", opType: "Relu", input: ["input"], output: ["logits"] }],
        initializers: [],
        inputs: [t("input")],
        outputs: [t("logits")],
      },
    ),
  );
}

/**
 * A scenario on the tiny model (file `tiny.onnx` next to the scenario): the harness's own
 * tests and benchmarks use it. `run` is the YAML flow mapping of the run section.
 */
export function tinyScenarioYaml(opts: {
  name: string;
  run: string;
  strategies?: string[];
  baseline?: string;
  intervalMs?: number;
  extra?: string;
}): string {
  const strategies = opts.strategies ?? ["persistent", "teardown", "scoped"];
  return `name: ${opts.name}
model: tiny.onnx
engine: onnxruntime
precision: fp32
profile:
  inputs:
    input: { min: [1, 8], opt: [2, 8], max: [4, 8] }
  sequence: random
strategies: [${strategies.join(", ")}]
baseline: ${opts.baseline ?? "scoped"}
run: ${opts.run}
memory: { intervalMs: ${opts.intervalMs ?? 2} }
onnxruntime: { intraOpThreads: 1 }
${opts.extra ?? ""}`;
}
