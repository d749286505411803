/**
 * The ONNX Runtime engine as the registry knows it: strategies, section, how to create it.
 * The engine itself (engine.ts) is imported only when a run uses it, so a machine without
 * onnxruntime-node still validates scenarios and runs the other engines.
 */
import type { EngineDescriptor } from "../contract.js";
import { section } from "./section.js";
export type { OnnxRuntimeOptions } from "./section.js";

export const onnxruntime = {
  name: "onnxruntime",
  summary: "ONNX Runtime through onnxruntime-node (CPU anywhere; CUDA / TensorRT providers where installed)",
  strategies: {
    persistent: null,
    teardown: null,
    scoped: null,
    "per-shape": "a session is not bound to a shape, so a per-shape pool would hold N copies of the same weights",
    "user-managed": "ONNX Runtime cannot run a session in a caller-owned device-memory block",
  },
  modelOptional: false,
  readsOnnx: true,
  plantsFaults: false,
  section,
  sectionRequired: false,
  usesGpu: (s) => s.executionProvider !== "cpu",
  host: {
    kind: "js",
    async create(init) {
      const { createOnnxRuntimeEngine } = await import("./engine.js");
      return createOnnxRuntimeEngine(init);
    },
  },
} as const satisfies EngineDescriptor<"onnxruntime", typeof section>;
