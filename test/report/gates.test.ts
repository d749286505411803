import { describe, expect, it } from "vitest";
import { evaluateGates, exitCodeFor } from "../../src/analysis/gates.js";
import { compareThroughput } from "../../src/analysis/throughput.js";
import type { GateOutcome } from "../../src/results/verdicts.js";
import { InputError } from "../../src/errors.js";
import type { ResultsFile, StrategyResult } from "../../src/results/types.js";
import type { StrategyName } from "../../src/scenarios/types.js";
import { loadFixture } from "./helpers.js";

const pick = (o: GateOutcome[], gate: GateOutcome["gate"], strategy?: StrategyName): GateOutcome[] =>
  o.filter((x) => x.gate === gate && (strategy === undefined || x.strategy === strategy));

function one(o: GateOutcome[], gate: GateOutcome["gate"], strategy: StrategyName): GateOutcome {
  const found = pick(o, gate, strategy);
  expect(found, `${gate} ${strategy}`).toHaveLength(1);
  return found[0]!;
}

function strategy(f: ResultsFile, name: StrategyName, run = 0): StrategyResult {
  return f.runs[run]!.strategies.find((s) => s.strategy === name)!;
}

/** Scale a strategy's round rates and recompute the run's ratios with the real analyser. */
function scaleRounds(f: ResultsFile, name: StrategyName, factor: number): void {
  for (const run of f.runs) {
    const s = run.strategies.find((x) => x.strategy === name)!;
    s.rounds = s.rounds.map((r) => ({ ...r, itemsPerSecond: r.itemsPerSecond * factor, busyMs: r.busyMs / factor }));
    const rounds: Partial<Record<StrategyName, StrategyResult["rounds"]>> = {};
    for (const x of run.strategies) rounds[x.strategy] = x.rounds;
    run.throughput = compareThroughput(rounds, run.baseline);
  }
}

describe("leak gate", () => {
  it("fails on a leak verdict in mode fail (exit 1)", () => {
    const o = evaluateGates(loadFixture("leak-persistent"));
    const g = one(o, "leak", "persistent");
    expect(g.status).toBe("fail");
    expect(g.run).toBe("resnet-arena/random/fp16");
    expect(g.message).toContain("gpuProcessBytes leak");
    expect(exitCodeFor(o)).toBe(1);
  });

  it("only warns in mode warn (exit 0)", () => {
    const o = evaluateGates(loadFixture("leak-persistent"), { overrides: { leak: "warn" } });
    expect(one(o, "leak", "persistent").status).toBe("warn");
    expect(exitCodeFor(o)).toBe(0);
  });

  it("emits no leak outcome in mode off", () => {
    const o = evaluateGates(loadFixture("leak-persistent"), { overrides: { leak: "off" } });
    expect(pick(o, "leak")).toHaveLength(0);
    expect(exitCodeFor(o)).toBe(0);
  });

  it("passes an allowed plateau, warns on a plateau that is not allowed", () => {
    const f = loadFixture("leak-persistent");
    const allowed = one(evaluateGates(f), "leak", "teardown");
    expect(allowed.status).toBe("pass");
    expect(allowed.message).toContain("allowed for teardown");
    const notAllowed = one(evaluateGates(f, { overrides: { allow: { teardown: [] } } }), "leak", "teardown");
    expect(notAllowed.status).toBe("warn");
    expect(notAllowed.message).toContain("plateau");
  });

  it("passes a leak when the scenario allows it for that strategy", () => {
    const o = evaluateGates(loadFixture("leak-persistent"), { overrides: { allow: { persistent: ["leak"] } } });
    expect(one(o, "leak", "persistent").status).toBe("pass");
    expect(exitCodeFor(o)).toBe(0);
  });

  it("warns on inconclusive, naming the iterations that would decide", () => {
    const o = evaluateGates(loadFixture("faulted"), { overrides: { leak: "fail" } });
    const g = one(o, "leak", "per-shape");
    expect(g.status).toBe("warn");
    expect(g.message).toMatch(/about \d+ more iterations would decide/);
  });

  it("warns when a secondary signal leaks while the primary does not", () => {
    const f = loadFixture("leak-persistent");
    const teardown = strategy(f, "teardown");
    teardown.analysis!.leak["rssBytes"] = {
      ...teardown.analysis!.leak["rssBytes"]!,
      verdict: "leak",
      explanation: "grows 40 KiB/iter",
    };
    const list = pick(evaluateGates(f), "leak", "teardown");
    expect(list.map((x) => x.status)).toEqual(["pass", "warn"]);
    expect(list[1]!.message).toContain("secondary signal rssBytes");
  });
});

describe("residual gate", () => {
  it("fails above maxResidualMiB and passes under an overridden limit", () => {
    const f = loadFixture("faulted");
    const fail = one(evaluateGates(f), "residual", "per-shape");
    expect(fail.status).toBe("fail");
    expect(fail.message).toMatch(/after release 12\.0 MiB.*limit 8 MiB/);
    expect(one(evaluateGates(f, { overrides: { maxResidualMiB: 16 } }), "residual", "per-shape").status).toBe("pass");
  });

  it("judges the device residual after exit too", () => {
    const f = loadFixture("leak-persistent");
    strategy(f, "scoped").residual = { afterReleaseBytes: 0, afterExitDeviceBytes: 40 * 1024 * 1024 };
    const g = one(evaluateGates(f), "residual", "scoped");
    expect(g.status).toBe("fail");
    expect(g.message).toContain("device after exit 40.0 MiB");
  });
});

describe("min-speedup gate", () => {
  it("passes when the whole interval is at or above the threshold", () => {
    const g = one(evaluateGates(loadFixture("leak-persistent")), "min-speedup", "persistent");
    expect(g.status).toBe("pass");
  });

  it("fails when the interval only reaches the threshold, and when it is below", () => {
    const f = loadFixture("leak-persistent");
    const t = f.runs[0]!.throughput!.find((x) => x.strategy === "persistent")!;
    const straddle = (t.ratioCi[0] + t.ratioCi[1]) / 2;
    const g1 = one(
      evaluateGates(f, { overrides: { minSpeedup: { persistent: straddle } } }),
      "min-speedup",
      "persistent",
    );
    expect(g1.status).toBe("fail");
    expect(g1.message).toContain("interval reaches below");
    const g2 = one(
      evaluateGates(f, { overrides: { minSpeedup: { persistent: t.ratioCi[1] + 1 } } }),
      "min-speedup",
      "persistent",
    );
    expect(g2.status).toBe("fail");
    expect(g2.message).toContain("below the required");
  });

  it("fails when there is no ratio to judge", () => {
    const f = loadFixture("leak-persistent");
    f.runs[0]!.throughput = [];
    expect(one(evaluateGates(f), "min-speedup", "persistent").status).toBe("fail");
  });
});

describe("max-slowdown gate", () => {
  it("fails a strategy whose whole interval is below the floor", () => {
    const f = loadFixture("clean-pass");
    scaleRounds(f, "teardown", 0.7);
    const o = evaluateGates(f);
    expect(pick(o, "max-slowdown", "teardown").map((x) => x.status)).toEqual(["fail", "fail"]);
    expect(exitCodeFor(o)).toBe(1);
  });

  it("passes unchanged strategies", () => {
    const o = evaluateGates(loadFixture("clean-pass"));
    const s = pick(o, "max-slowdown");
    expect(s.length).toBe(4);
    expect(s.every((x) => x.status === "pass")).toBe(true);
    expect(exitCodeFor(o)).toBe(0);
  });

  it("warns when only the estimate is below the floor", () => {
    const f = loadFixture("clean-pass");
    const t = f.runs[0]!.throughput!.find((x) => x.strategy === "teardown")!;
    Object.assign(t, { ratio: 0.88, ratioCi: [0.8, 0.97], claim: "slower" });
    // Only the first scenario run was changed.
    expect(pick(evaluateGates(f), "max-slowdown", "teardown").map((x) => x.status)).toEqual(["warn", "pass"]);
  });
});

describe("max-peak gate", () => {
  it("fails above maxPeakMiB, passes below", () => {
    const f = loadFixture("leak-persistent");
    expect(one(evaluateGates(f, { overrides: { maxPeakMiB: 4000 } }), "max-peak", "persistent").status).toBe("fail");
    expect(one(evaluateGates(f, { overrides: { maxPeakMiB: 5000 } }), "max-peak", "persistent").status).toBe("pass");
  });
});

describe("baseline gates", () => {
  it("fail on a throughput regression and a memory increase (exit 1)", () => {
    const o = evaluateGates(loadFixture("clean-regressed"), { baselineFile: loadFixture("clean-pass") });
    expect(pick(o, "regression", "persistent").map((x) => x.status)).toEqual(["fail", "fail"]);
    expect(pick(o, "regression", "scoped").map((x) => x.status)).toEqual(["pass", "pass"]);
    expect(pick(o, "memory-increase", "scoped").map((x) => x.status)).toEqual(["fail", "fail"]);
    expect(pick(o, "memory-increase", "persistent").map((x) => x.status)).toEqual(["pass", "pass"]);
    expect(exitCodeFor(o)).toBe(1);
  });

  it("hold against the same file (exit 0)", () => {
    const o = evaluateGates(loadFixture("clean-pass"), { baselineFile: loadFixture("clean-pass") });
    expect(pick(o, "regression").length).toBe(6);
    expect(o.every((x) => x.status === "pass")).toBe(true);
    expect(exitCodeFor(o)).toBe(0);
  });

  it("tolerate a drop within a looser threshold", () => {
    const o = evaluateGates(loadFixture("clean-regressed"), {
      baselineFile: loadFixture("clean-pass"),
      overrides: { maxRegression: 0.3, maxMemoryIncrease: 0.25 },
    });
    expect(pick(o, "regression").every((x) => x.status === "pass")).toBe(true);
    expect(pick(o, "memory-increase").every((x) => x.status === "pass")).toBe(true);
  });

  it("refuse a baseline from another environment unless forced", () => {
    const head = loadFixture("leak-persistent");
    const base = loadFixture("leak-persistent");
    base.environment.driverVersion = "560.35.03";
    expect(() => evaluateGates(head, { baselineFile: base })).toThrow(InputError);
    const o = evaluateGates(head, { baselineFile: base, force: true });
    expect(pick(o, "regression").length).toBe(3);
  });
});

describe("run gate", () => {
  it("fails strategies that did not complete but leaves exit 3 to the caller", () => {
    const f = loadFixture("faulted");
    f.runs[0]!.gate = { leak: "off", allow: {}, minSpeedup: {} };
    const o = evaluateGates(f);
    expect(one(o, "run", "persistent").message).toContain("ran out of memory at iteration 2470");
    expect(one(o, "run", "user-managed").message).toContain("crashed at iteration 731");
    expect(o.filter((x) => x.status === "fail").every((x) => x.gate === "run")).toBe(true);
    expect(exitCodeFor(o)).toBe(0);
  });

  it("only warns for a skipped strategy", () => {
    const f = loadFixture("leak-persistent");
    strategy(f, "teardown").state = "skipped";
    expect(one(evaluateGates(f), "run", "teardown").status).toBe("warn");
  });
});
