import { describe, expect, it } from "vitest";
import { makeRunId, runIdNames, RUN_ID_NAMES_MAX } from "../../src/results/run-id.js";

describe("makeRunId", () => {
  it("has millisecond time, a random suffix and the scenario names", () => {
    const id = makeRunId([{ name: "resnet18-cpu" }], { now: new Date("2026-12-01T15:08:01.123Z"), suffix: "3fa9c1" });
    expect(id).toBe("2026-12-01T15-08-01.123Z-3fa9c1-resnet18-cpu");
  });

  it("two runs started in the same millisecond get different ids", () => {
    const now = new Date("2026-12-01T15:08:01.123Z");
    const ids = new Set(Array.from({ length: 1000 }, () => makeRunId([{ name: "a" }], { now })));
    expect(ids.size).toBe(1000);
  });

  it("sorts by start time", () => {
    const a = makeRunId([{ name: "z" }], { now: new Date("2026-12-01T15:08:01.123Z") });
    const b = makeRunId([{ name: "a" }], { now: new Date("2026-12-01T15:08:01.124Z") });
    expect([b, a].sort()).toEqual([a, b]);
  });

  it("keeps file names safe and short enough for the filesystem's 255-byte limit", () => {
    const id = makeRunId([{ name: "é/..\u0000".repeat(100) }, { name: "x".repeat(1e6) }]);
    expect(id).toMatch(/^[A-Za-z0-9._+-]+$/);
    expect(runIdNames(["x".repeat(1e6)])).toHaveLength(RUN_ID_NAMES_MAX);
    // <runId>-traces and <runId>-charts are the longest names derived from it.
    expect(Buffer.byteLength(`${id}-traces`)).toBeLessThanOrEqual(255);
    expect(runIdNames([".hidden"]).startsWith(".")).toBe(false);
    expect(runIdNames([])).toBe("run");
  });
});
