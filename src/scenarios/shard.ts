/**
 * Sharding: cut the runs of a bench (scenario × sequence × precision, see expand.ts) into
 * n deterministic, balanced parts, so n jobs of a scheduler (GitHub Actions matrix,
 * Kubernetes Indexed Job, Slurm array, Buildkite parallel jobs) each run one part and
 * `vramgate merge` joins their results.
 *
 * Balance: each run's estimated cost is the calls it makes, strategies × (warm-up +
 * iterations + replay calls), with the overrides of the command line applied. Per-call time
 * is not known before running (a ResNet-50 call costs more than a tiny model's), and neither
 * are confirmation extensions: the estimate counts calls, not seconds. Runs are dealt
 * longest first (ties by key) to the shard with the least estimated cost so far (ties to
 * the lowest index): the same scenarios and flags give every shard the same plan. A sweep's
 * repeat of its reference run (`#repeat`) goes with that run, so its drift is measured on one
 * machine; the other combinations of the sweep may land elsewhere, and their drift is not
 * measured by it (the report's drift line says which runs it compares).
 *
 * Shards are numbered 1..n on the command line (`--shard 2/3`, like jest and playwright);
 * schedulers that count from 0 are converted.
 */
import { createHash } from "node:crypto";
import { InputError } from "../errors.js";
import { replayCalls } from "./replay.js";
import type { ScenarioRun } from "./types.js";

/** Which part of the runs this process takes, and where that came from (for the message and the results). */
export interface ShardSpec {
  /** 1-based. */
  index: number;
  count: number;
  /** e.g. "--shard 2/3" or "Kubernetes Indexed Job: JOB_COMPLETION_INDEX=1, VRAMGATE_SHARD_COUNT=3". */
  source: string;
}

/** Most shards accepted (a typo such as 1/30000 should not plan 29,999 empty jobs silently). */
const MAX_SHARDS = 10_000;

/** Estimated cost of a run: the calls it makes, strategies × (warm-up + iterations + replay). */
export function estimatedCalls(run: ScenarioRun): number {
  const r = run.scenario.run;
  return run.scenario.strategies.length * (r.warmup + r.iterations + replayCalls(run));
}

/** The runs of each shard (index 0 is shard 1), each in the order given. */
export function planShards(runs: readonly ScenarioRun[], count: number): ScenarioRun[][] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count must be ≥ 1, got ${count}`);
  // A sweep's repeat of its reference is dealt with that reference, as one unit: the drift
  // it measures is between two runs on the same machine, not between two machines.
  const unitOf = (r: ScenarioRun): string => r.repeatOf ?? r.key;
  const cost = new Map<string, number>();
  for (const r of runs) cost.set(unitOf(r), (cost.get(unitOf(r)) ?? 0) + estimatedCalls(r));
  const order = [...cost.keys()].sort((a, b) => cost.get(b)! - cost.get(a)! || cmp(a, b));
  const load = new Array<number>(count).fill(0);
  const assigned = new Map<string, number>();
  for (const unit of order) {
    let best = 0;
    for (let i = 1; i < count; i++) if (load[i]! < load[best]!) best = i;
    load[best]! += cost.get(unit)!;
    assigned.set(unit, best);
  }
  const shards: ScenarioRun[][] = Array.from({ length: count }, () => []);
  for (const run of runs) shards[assigned.get(unitOf(run))!]!.push(run);
  return shards;
}

/** A digest of what was cut (every run key and the count): shards of one plan share it, `merge` checks it. */
export function planDigest(runs: readonly ScenarioRun[], count: number): string {
  const keys = runs.map((r) => r.key).sort(cmp);
  return createHash("sha256").update(JSON.stringify({ count, keys })).digest("hex").slice(0, 16);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `i/n` (1 ≤ i ≤ n) → the shard; anything else is an InputError naming `what`. */
export function parseShard(text: string, source: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const bad = (why: string): never => {
    throw new InputError(`${source}: expected i/n with 1 ≤ i ≤ n (e.g. 2/3 for the second of three shards), ${why}.`);
  };
  if (!m) return bad(`found ${JSON.stringify(text)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) return bad(`found ${count} shards (1 to ${MAX_SHARDS.toLocaleString("en-US")})`);
  if (index < 1 || index > count) return bad(`found shard ${index} of ${count}`);
  return { index, count, source };
}

type Env = Readonly<Record<string, string | undefined>>;

/** A variable that must be an integer ≥ min, or an InputError naming it and the scheduler. */
function intVar(env: Env, name: string, scheduler: string, min: number): number {
  const raw = env[name];
  if (raw === undefined || !/^\s*-?\d+\s*$/.test(raw) || Number(raw) < min)
    throw new InputError(
      `${name}=${raw === undefined ? "(unset)" : JSON.stringify(raw)}: expected an integer ≥ ${min} (${scheduler}). ` +
        "Pass --shard i/n to say which shard this is.",
    );
  return Number(raw);
}

/** The variable's value, with its name, for the source line. */
function shown(env: Env, ...names: string[]): string {
  return names
    .filter((n) => env[n] !== undefined)
    .map((n) => `${n}=${env[n]}`)
    .join(", ");
}

/**
 * The shard named by the scheduler's environment, or undefined when none is. Checked in
 * this order (the first present wins):
 *
 * - `VRAMGATE_SHARD=i/n`: any scheduler (e.g. GitHub Actions from its matrix).
 * - Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` (0-based) and `VRAMGATE_SHARD_COUNT`
 *   (Kubernetes does not export the Job's completions: set it to `spec.completions`).
 * - Slurm job array: `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`, `SLURM_ARRAY_TASK_MIN`
 *   (and `SLURM_ARRAY_TASK_STEP` when set): tasks MIN, MIN+STEP, … are shards 1, 2, ….
 * - Buildkite parallel jobs: `BUILDKITE_PARALLEL_JOB` (0-based), `BUILDKITE_PARALLEL_JOB_COUNT`.
 */
export function shardFromEnvironment(env: Env): ShardSpec | undefined {
  if (env.VRAMGATE_SHARD !== undefined) return parseShard(env.VRAMGATE_SHARD, `VRAMGATE_SHARD=${env.VRAMGATE_SHARD}`);
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const k8s = "Kubernetes Indexed Job";
    if (env.VRAMGATE_SHARD_COUNT === undefined)
      throw new InputError(
        `JOB_COMPLETION_INDEX=${env.JOB_COMPLETION_INDEX} (${k8s}) but VRAMGATE_SHARD_COUNT is not set: Kubernetes ` +
          "does not tell a pod how many completions its Job has. Set VRAMGATE_SHARD_COUNT to the Job's " +
          "spec.completions in the pod template, or pass --shard i/n.",
      );
    const index = intVar(env, "JOB_COMPLETION_INDEX", k8s, 0);
    const count = intVar(env, "VRAMGATE_SHARD_COUNT", k8s, 1);
    const source = `${k8s}: ${shown(env, "JOB_COMPLETION_INDEX", "VRAMGATE_SHARD_COUNT")}`;
    return parseShard(`${index + 1}/${count}`, source);
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const slurm = "Slurm job array";
    const id = intVar(env, "SLURM_ARRAY_TASK_ID", slurm, 0);
    const count = intVar(env, "SLURM_ARRAY_TASK_COUNT", slurm, 1);
    const min = intVar(env, "SLURM_ARRAY_TASK_MIN", slurm, 0);
    const step = env.SLURM_ARRAY_TASK_STEP === undefined ? 1 : intVar(env, "SLURM_ARRAY_TASK_STEP", slurm, 1);
    const source = `${slurm}: ${shown(env, "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_STEP")}`;
    const offset = id - min;
    if (offset < 0 || offset % step !== 0 || offset / step >= count)
      throw new InputError(
        `${source}: task ${id} is not one of ${count} tasks ${min}, ${min + step}, …: vramgate reads a Slurm array ` +
          "as a range with one step (e.g. --array=0-3 or 1-7:2). Pass --shard i/n for other arrays.",
      );
    return parseShard(`${offset / step + 1}/${count}`, source);
  }
  if (env.BUILDKITE_PARALLEL_JOB !== undefined) {
    const bk = "Buildkite parallel job";
    const index = intVar(env, "BUILDKITE_PARALLEL_JOB", bk, 0);
    const count = intVar(env, "BUILDKITE_PARALLEL_JOB_COUNT", bk, 1);
    return parseShard(
      `${index + 1}/${count}`,
      `${bk}: ${shown(env, "BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT")}`,
    );
  }
  return undefined;
}
