/** Writes a real (tiny) ONNX model whose graph inputs are the given names and types. */
import { writeFileSync } from "node:fs";
import { DataType } from "../../src/models/onnx-proto.js";
import { concatChunks, planModel } from "../../src/models/onnx-writer.js";

export function writeTinyModel(file: string, inputs: Array<{ name: string; elemType: number }>): void {
  const value = (name: string, elemType: number) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimParam: "batch" }, { dimValue: 8 }] } } },
  });
  const nodes = inputs.map((i, n) => ({ name: `id${n}`, opType: "Identity", input: [i.name], output: [`out${n}`] }));
  const bytes = concatChunks(
    planModel(
      { irVersion: 8, opsetVersion: 17, producerName: "vramgate", producerVersion: "scenario-tests" },
      {
        name: "tiny",
        nodes,
        initializers: [],
        inputs: inputs.map((i) => value(i.name, i.elemType)),
        outputs: inputs.map((i, n) => value(`out${n}`, i.elemType)),
      },
    ),
  );
  writeFileSync(file, bytes);
}

export { DataType };
