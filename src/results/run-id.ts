/**
 * Run ids name the results file (`<runId>.json`), its traces (`<runId>-traces/`) and its
 * report. They must never collide, not even for two runs started in the same second into
 * one --out folder: UTC time to the millisecond, a random suffix, then the scenario names
 * (cut so every derived file name fits the filesystem's 255-byte name limit).
 */
import { randomBytes } from "node:crypto";

/** Most characters of scenario names in a run id. */
export const RUN_ID_NAMES_MAX = 80;

/** `2026-12-01T15-08-01.123Z`: sortable, no `:` (not allowed in Windows file names). */
export function runStamp(now: Date): string {
  return now.toISOString().replace(/:/g, "-");
}

/** Ids made by this process so far: runs started by one process never share a suffix. */
let made = 0;

/**
 * 9 hex characters: 24 random bits (two processes starting in the same millisecond collide
 * once in 16 million) and a per-process counter (one process never repeats itself: 4,096
 * ids per millisecond before it wraps).
 */
export function runSuffix(): string {
  const count = (made++ % 4096).toString(16).padStart(3, "0");
  return `${randomBytes(3).toString("hex")}${count}`;
}

/** Scenario names as one file-name-safe part (ASCII letters, digits, `._+-`), at most RUN_ID_NAMES_MAX characters. */
export function runIdNames(names: readonly string[]): string {
  const joined = names
    .join("+")
    .replace(/[^A-Za-z0-9._+-]+/g, "_")
    .replace(/^[.]+/, "_");
  return joined.slice(0, RUN_ID_NAMES_MAX) || "run";
}

/**
 * The id of a run of these scenarios, e.g. `2026-12-01T15-08-01.123Z-3fa9c1000-resnet18-cpu`.
 * `now` and `suffix` are for tests.
 */
export function makeRunId(
  scenarios: ReadonlyArray<{ name: string }>,
  opts: { now?: Date; suffix?: string } = {},
): string {
  return `${runStamp(opts.now ?? new Date())}-${opts.suffix ?? runSuffix()}-${runIdNames(scenarios.map((s) => s.name))}`;
}
