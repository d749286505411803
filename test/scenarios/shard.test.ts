/**
 * Sharding (src/scenarios/shard.ts): every run in exactly one shard, the same plan from the
 * same runs whatever their order, balanced by estimated calls; `--shard` and the
 * schedulers' variables read, bad values refused naming the variable.
 */
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { estimatedCalls, parseShard, planDigest, planShards, shardFromEnvironment } from "../../src/scenarios/shard.js";
import type { ScenarioRun } from "../../src/scenarios/types.js";

/** A run whose cost is strategies × (warm-up + iterations) (fixed sequence: no replay). */
function run(key: string, iterations: number, strategies = 3): ScenarioRun {
  return {
    key,
    precision: "fp32",
    sequence: { kind: "fixed", label: "fixed" },
    scenario: {
      strategies: Array.from({ length: strategies }, (_, i) => `s${i}`),
      run: { warmup: 0, iterations, replay: "auto", seed: 1 },
    },
  } as unknown as ScenarioRun;
}

const keys = (shards: ScenarioRun[][]) => shards.map((s) => s.map((r) => r.key));

describe("planShards", () => {
  const runs = [run("a", 100), run("b", 10), run("c", 60), run("d", 40), run("e", 10), run("f", 30)];

  it("puts every run in exactly one shard, balanced by estimated calls, in the order given", () => {
    expect(estimatedCalls(run("x", 40, 2))).toBe(80);
    const shards = planShards(runs, 3);
    expect(
      shards
        .flat()
        .map((r) => r.key)
        .sort(),
    ).toEqual(["a", "b", "c", "d", "e", "f"]);
    // Longest first to the least loaded (ties to the lowest shard): a→1, c→2, d→3, f→3, b→2, e→2.
    expect(keys(shards)).toEqual([["a"], ["b", "c", "e"], ["d", "f"]]);
    const loads = shards.map((s) => s.reduce((t, r) => t + estimatedCalls(r), 0));
    expect(loads).toEqual([300, 240, 210]);
  });

  it("gives the same plan and digest whatever the order of the runs", () => {
    const reversed = [...runs].reverse();
    expect(keys(planShards(reversed, 3)).map((s) => s.sort())).toEqual(keys(planShards(runs, 3)).map((s) => s.sort()));
    expect(planDigest(reversed, 3)).toBe(planDigest(runs, 3));
    expect(planDigest(runs, 2)).not.toBe(planDigest(runs, 3));
  });

  it("leaves shards empty when there are more shards than runs", () => {
    expect(keys(planShards([run("a", 5), run("b", 5)], 4))).toEqual([["a"], ["b"], [], []]);
    expect(() => planShards(runs, 0)).toThrow(RangeError);
  });
});

describe("parseShard", () => {
  it("reads i/n, 1-based", () => {
    expect(parseShard("2/3", "--shard 2/3")).toEqual({ index: 2, count: 3, source: "--shard 2/3" });
    expect(parseShard(" 1 / 1 ", "x")).toMatchObject({ index: 1, count: 1 });
  });

  it.each(["0/3", "4/3", "1/0", "a/b", "2", "-1/3", "1.5/3", "1/20000"])("refuses %j naming the flag", (text) => {
    expect(() => parseShard(text, `--shard ${text}`)).toThrow(InputError);
    expect(() => parseShard(text, `--shard ${text}`)).toThrow(`--shard ${text}: expected i/n with 1 ≤ i ≤ n`);
  });
});

describe("shardFromEnvironment", () => {
  it("is undefined without a scheduler's variables", () => {
    expect(shardFromEnvironment({ PATH: "/bin", VRAMGATE_SHARD_COUNT: "3" })).toBeUndefined();
  });

  it("reads VRAMGATE_SHARD first", () => {
    expect(shardFromEnvironment({ VRAMGATE_SHARD: "2/4", JOB_COMPLETION_INDEX: "0" })).toEqual({
      index: 2,
      count: 4,
      source: "VRAMGATE_SHARD=2/4",
    });
  });

  it("reads a Kubernetes Indexed Job (0-based index) with VRAMGATE_SHARD_COUNT, and says it needs the count", () => {
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: "0", VRAMGATE_SHARD_COUNT: "3" })).toEqual({
      index: 1,
      count: 3,
      source: "Kubernetes Indexed Job: JOB_COMPLETION_INDEX=0, VRAMGATE_SHARD_COUNT=3",
    });
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: "2" })).toThrow(/VRAMGATE_SHARD_COUNT is not set/);
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: "3", VRAMGATE_SHARD_COUNT: "3" })).toThrow(
      /found shard 4 of 3/,
    );
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: "x", VRAMGATE_SHARD_COUNT: "3" })).toThrow(
      /JOB_COMPLETION_INDEX="x": expected an integer ≥ 0 \(Kubernetes Indexed Job\)/,
    );
  });

  it("reads a Slurm array from its minimum and step", () => {
    const slurm = { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "4", SLURM_ARRAY_TASK_MIN: "4" };
    expect(shardFromEnvironment(slurm)).toMatchObject({ index: 2, count: 4 });
    expect(shardFromEnvironment(slurm)?.source).toBe(
      "Slurm job array: SLURM_ARRAY_TASK_ID=5, SLURM_ARRAY_TASK_COUNT=4, SLURM_ARRAY_TASK_MIN=4",
    );
    expect(shardFromEnvironment({ ...slurm, SLURM_ARRAY_TASK_ID: "8", SLURM_ARRAY_TASK_STEP: "2" })).toMatchObject({
      index: 3,
      count: 4,
    });
    expect(() => shardFromEnvironment({ ...slurm, SLURM_ARRAY_TASK_ID: "9" })).toThrow(/not one of 4 tasks/);
    expect(() => shardFromEnvironment({ ...slurm, SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_STEP: "2" })).toThrow(
      /not one of 4 tasks/,
    );
    expect(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: "5" })).toThrow(/SLURM_ARRAY_TASK_COUNT=\(unset\)/);
  });

  it("reads Buildkite parallel jobs (0-based)", () => {
    expect(shardFromEnvironment({ BUILDKITE_PARALLEL_JOB: "1", BUILDKITE_PARALLEL_JOB_COUNT: "2" })).toMatchObject({
      index: 2,
      count: 2,
      source: "Buildkite parallel job: BUILDKITE_PARALLEL_JOB=1, BUILDKITE_PARALLEL_JOB_COUNT=2",
    });
    expect(() => shardFromEnvironment({ BUILDKITE_PARALLEL_JOB: "0", BUILDKITE_PARALLEL_JOB_COUNT: "0" })).toThrow(
      InputError,
    );
  });
});
