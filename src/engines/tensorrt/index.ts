/**
 * The TensorRT engine: built into the native addon where TensorRT's headers and
 * libraries are found (native/engines/tensorrt/); its strategy loop runs natively.
 */
import { resolve } from "node:path";
import * as z from "zod";
import type { EngineDescriptor } from "../contract.js";

const TACTIC_SOURCES = ["cublas", "cublaslt", "cudnn", "edge_mask_convolutions", "jit_convolutions"] as const;

const section = z.strictObject({
  workspaceMiB: z
    .int()
    .min(1)
    .max(2 ** 30)
    .optional()
    .meta({ description: "Builder workspace limit, MiB." }),
  builderOptimizationLevel: z.int().min(0).max(5).optional(),
  allocationStrategy: z.enum(["static", "on-profile-change"]).default("static"),
  cudaGraph: z.boolean().default(false),
  perShapePoolSize: z.int().min(1).default(8).meta({ description: "per-shape strategy: most contexts kept." }),
  tacticSources: z.array(z.enum(TACTIC_SOURCES)).optional(),
  cacheDir: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "Engine/timing cache folder, relative to this file's folder." }),
  logLevel: z.enum(["error", "warning", "info", "verbose"]).optional(),
});

export const tensorrt = {
  name: "tensorrt",
  summary: "TensorRT, in the native addon (one execution context per strategy's rules; IGpuAllocator figures)",
  strategies: { persistent: null, teardown: null, scoped: null, "per-shape": null, "user-managed": null },
  modelOptional: false,
  readsOnnx: true,
  plantsFaults: true,
  section,
  sectionRequired: false,
  resolveSection(s, dir) {
    return s.cacheDir === undefined ? s : { ...s, cacheDir: resolve(dir, s.cacheDir) };
  },
  usesGpu: () => true,
  host: { kind: "native" },
} as const satisfies EngineDescriptor<"tensorrt", typeof section>;
