/**
 * An ONNX model file against the profile, at parse time: every profile input must be a
 * model input with the same element type, and every model input needs a profile entry.
 * Caught here, the mistake is an exit-2 message at the profile's line instead of an
 * engine failure in a child process after the run has started.
 */
import { readFileSync } from "node:fs";
import { DataType } from "../models/onnx-proto.js";
import { inspectOnnx, OnnxFormatError } from "../models/onnx-inspect.js";
import type { Checker } from "./checker.js";
import type { DataPath } from "./locate.js";
import { didYouMean } from "./suggest.js";
import type { InputProfile } from "./types.js";

const DTYPE_CODES: Record<InputProfile["dtype"], number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
};

/** Whether a model path is checked: ONNX files only (TensorRT also takes .plan/.engine). */
export function isOnnxPath(path: string): boolean {
  return path.toLowerCase().endsWith(".onnx");
}

export function checkOnnxInputs(
  resolvedPath: string,
  modelAt: DataPath,
  profile: Record<string, InputProfile>,
  c: Checker,
): void {
  let inputs: Array<{ name: string; elemType: number }>;
  try {
    inputs = inspectOnnx(readFileSync(resolvedPath)).inputs;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (e instanceof OnnxFormatError)
      c.report({ path: modelAt, expected: "an ONNX model file", found: `a file that is ${e.message}` });
    else if (code)
      c.report({ path: modelAt, expected: "a readable model file", found: `an error reading it (${code})` });
    else throw e;
    return;
  }
  const names = inputs.map((i) => i.name);
  for (const [name, p] of Object.entries(profile)) {
    const input = inputs.find((i) => i.name === name);
    if (!input) {
      c.report({
        path: ["profile", "inputs", name],
        expected: `an input of the model (${names.join(", ") || "it declares none"})`,
        found: `input "${name}"`,
        hint: didYouMean(name, names),
        key: true,
      });
      continue;
    }
    // elemType 0: the model does not declare it, so any dtype may be right.
    if (input.elemType !== 0 && DTYPE_CODES[p.dtype] !== input.elemType) {
      const modelType =
        Object.entries(DTYPE_CODES).find(([, code]) => code === input.elemType)?.[0] ?? `ONNX type ${input.elemType}`;
      c.report({
        path: ["profile", "inputs", name, "dtype"],
        at: ["profile", "inputs", name],
        expected: `dtype ${modelType}, the model's type for "${name}"`,
        found: p.dtype,
      });
    }
  }
  const missing = names.filter((n) => !(n in profile));
  if (missing.length > 0) {
    c.report({
      path: ["profile", "inputs"],
      expected: `an entry for every model input (${names.join(", ")})`,
      found: `none for ${missing.map((n) => `"${n}"`).join(", ")}`,
    });
  }
}
