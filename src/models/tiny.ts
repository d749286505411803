/**
 * The cheapest real model onnxruntime will run: input[batch, width] → Relu → logits.
 * Used where the harness itself is under test (long runs, fault handling), so that the
 * measured calls cost microseconds and the harness's own behaviour dominates.
 */
import { planModel, concatChunks } from "./onnx-writer.js";
import { DataType } from "./onnx-proto.js";

export function buildTinyReluModel(width = 8): Uint8Array {
  const t = (name: string) => ({ name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: "batch" }, { dimValue: width }] } } } });
  return concatChunks(
    planModel(
      { irVersion: 8, opsetVersion: 17, producerName: "vramgate", producerVersion: "tiny-relu-1" },
      { name: "tiny", nodes: [{ name: "relu", opType: "Relu", input: ["input"], output: ["logits"] }], initializers: [], inputs: [t("input")], outputs: [t("logits")] },
    ),
  );
}
