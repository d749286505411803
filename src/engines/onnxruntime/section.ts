/** The scenario's `onnxruntime:` section: what a user may write there, with defaults. */
import * as z from "zod";

/** Most ONNX Runtime threads per session: far above any machine's cores, far below the process's thread limit. */
const MAX_ORT_THREADS = 1024;

export const section = z.strictObject({
  executionProvider: z.enum(["cpu", "cuda", "tensorrt"]).default("cpu"),
  intraOpThreads: z
    .int()
    .min(1)
    .max(MAX_ORT_THREADS)
    .optional()
    .meta({ description: `Threads within one operator (at most ${MAX_ORT_THREADS}).` }),
  interOpThreads: z
    .int()
    .min(1)
    .max(MAX_ORT_THREADS)
    .optional()
    .meta({
      description: `Threads across operators (at most ${MAX_ORT_THREADS}; used when operators run in parallel).`,
    }),
  enableCpuMemArena: z.boolean().optional().meta({ description: "ORT's CPU memory arena (ORT default: on)." }),
  enableMemPattern: z.boolean().optional().meta({ description: "ORT's memory-pattern planner (ORT default: on)." }),
});
export type OnnxRuntimeOptions = z.output<typeof section>;
