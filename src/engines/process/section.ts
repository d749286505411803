/** The scenario's `process:` section: what a user may write there, with defaults. */
import * as z from "zod";
import { MAX_TIMER_S } from "../../timers.js";

export const section = z.strictObject({
  command: z
    .array(z.string().min(1))
    .min(1)
    .meta({ description: "argv of your worker (no shell), e.g. [python3, worker.py]." }),
  cwd: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "Worker's folder, relative to this file's folder (default: this file's folder)." }),
  env: z
    .record(z.string(), z.string())
    .default({})
    .meta({ description: "Extra environment variables (values are strings: quote numbers)." }),
  replyTimeoutS: z
    .number()
    .positive()
    .max(MAX_TIMER_S)
    .optional()
    .meta({ description: `Seconds to wait for each reply (default: run.watchdogS; at most ${MAX_TIMER_S}).` }),
});
/** After resolution `cwd` is absolute. */
export type ProcessOptions = z.output<typeof section>;
