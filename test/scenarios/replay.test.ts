import { describe, expect, it } from "vitest";
import { confirmBudget, replayCalls, replaySource, replayShapeAt } from "../../src/scenarios/replay.js";
import { shapeAt, shapeKey } from "../../src/scenarios/sequence.js";
import type { ScenarioRun } from "../../src/scenarios/types.js";

function run(kind: "random" | "fixed", extra: Record<string, unknown> = {}): ScenarioRun {
  return {
    key: "t",
    precision: "fp32",
    sequence: { kind, label: kind, seed: 3 },
    scenario: {
      profile: { input: { min: [1, 8], opt: [2, 64], max: [8, 512], dtype: "int64" } },
      run: {
        warmup: 2,
        iterations: 100,
        rounds: 4,
        maxDurationS: 600,
        seed: 3,
        watchdogS: 60,
        replay: "auto",
        confirm: {},
        ...extra,
      },
    },
  } as unknown as ScenarioRun;
}

describe("replay of seen shapes", () => {
  it("feeds only shapes of calls already made, deterministically", () => {
    const r = run("random");
    const seen = new Set<string>();
    for (let k = 0; k < 102; k++) seen.add(shapeKey(shapeAt(r, k, 102)));
    for (let k = 102; k < 400; k++) {
      const src = replaySource(r, k, 102);
      expect(src).toBeGreaterThanOrEqual(0);
      expect(src).toBeLessThan(102);
      expect(seen.has(shapeKey(replayShapeAt(r, k, 102, 102)))).toBe(true);
      expect(replaySource(r, k, 102)).toBe(src);
    }
  });

  it("replays half the iterations for changing shapes and none for a fixed shape by default", () => {
    expect(replayCalls(run("random"))).toBe(50);
    expect(replayCalls(run("fixed"))).toBe(0);
    expect(replayCalls(run("fixed", { replay: 30 }))).toBe(30);
  });

  it("has a confirmation budget by default and none when switched off", () => {
    expect(confirmBudget(run("random"))).toEqual({ calls: 200, seconds: 120, chunk: 100 });
    expect(confirmBudget(run("random", { confirm: false }))).toBeUndefined();
    expect(confirmBudget(run("random", { confirm: { calls: 30 } }))!.chunk).toBe(30);
  });
});
