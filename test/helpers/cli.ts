/**
 * Runs the real vramgate CLI from source (tsx) in a child process, as a user would,
 * and finds the results it wrote.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildTinyReluModel, tinyScenarioYaml } from "../../src/models/tiny.js";
import type { ResultsFile } from "../../src/results/types.js";

export const ROOT = resolve(import.meta.dirname, "../..");
const MAIN = join(ROOT, "src/cli/main.ts");

export interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/**
 * Variables `bench` reads its shard from (src/scenarios/shard.ts): a test suite run inside a
 * Slurm array, an Indexed Job or a Buildkite parallel job must not shard the CLI it starts.
 * Tests that want them pass them in `env`.
 */
const SHARD_VARIABLES = [
  "VRAMGATE_SHARD",
  "VRAMGATE_SHARD_COUNT",
  "JOB_COMPLETION_INDEX",
  "SLURM_ARRAY_TASK_ID",
  "SLURM_ARRAY_TASK_COUNT",
  "SLURM_ARRAY_TASK_MIN",
  "SLURM_ARRAY_TASK_STEP",
  "BUILDKITE_PARALLEL_JOB",
  "BUILDKITE_PARALLEL_JOB_COUNT",
] as const;

export function startCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliRun {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of SHARD_VARIABLES) delete env[v];
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...env, ...opts.env, FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (res) => child.on("close", (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  return startCli(args, opts).done;
}

/** A temp folder with the tiny Relu model and the given scenario files (name → YAML). */
export function scenarioDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "vramgate-test-"));
  writeFileSync(join(dir, "tiny.onnx"), buildTinyReluModel());
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/**
 * A scenario on the tiny model with a fixed shape (nothing to replay after the rounds, so
 * the run length is exactly warm-up + iterations); `run` is the run: mapping.
 */
export function tinyFixedScenario(
  name: string,
  run: string,
  strategies = ["persistent", "teardown", "scoped"],
): string {
  return tinyScenarioYaml({ name, run, strategies }).replace("sequence: random", "sequence: fixed");
}

/** A scenario on the tiny model; `extra` is appended YAML (top-level keys). */
export function tinyScenario(name: string, run: string, extra = ""): string {
  return tinyScenarioYaml({ name, run, extra });
}

export function resultsIn(dir: string): ResultsFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as ResultsFile);
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const v = probe();
      if (v !== undefined) return v;
    } catch {
      /* file being replaced: try again */
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
