/**
 * The libtorch engine (TorchScript on the GPU): built into the native addon where
 * libtorch is found (native/engines/torch/); its strategy loop runs natively.
 */
import * as z from "zod";
import type { EngineDescriptor } from "../contract.js";

const section = z.strictObject({
  cudaGraph: z
    .boolean()
    .default(false)
    .meta({ description: "Capture each shape's call in a CUDA graph and replay it." }),
  perShapePoolSize: z.int().min(1).default(8).meta({ description: "per-shape strategy: most contexts kept." }),
  env: z.record(z.string(), z.string()).default({}).meta({
    description:
      "Environment of each strategy's process, set before libtorch starts, e.g. PYTORCH_CUDA_ALLOC_CONF: expandable_segments:True (values are strings).",
  }),
});

export const libtorch = {
  name: "libtorch",
  summary: "TorchScript through libtorch, in the native addon (CUDA caching allocator figures per call)",
  strategies: { persistent: null, teardown: null, scoped: null, "per-shape": null, "user-managed": null },
  modelOptional: false,
  readsOnnx: false,
  plantsFaults: true,
  section,
  sectionRequired: false,
  usesGpu: () => true,
  host: { kind: "native" },
} as const satisfies EngineDescriptor<"libtorch", typeof section>;
