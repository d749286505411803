/**
 * Node clamps a timer longer than 2^31 − 1 ms to 1 ms: a "never" watchdog would fire at once.
 * The scenario schema refuses such values with a located error, and the code that sets
 * timers bounds them anyway.
 */
import { describe, expect, it } from "vitest";
import { MAX_TIMER_MS, MAX_TIMER_S, timerDelayMs } from "../../src/timers.js";
import { parseScenario } from "../../src/scenarios/parse.js";
import { tinyScenarioYaml } from "../../src/models/tiny.js";
import { InputError } from "../../src/errors.js";

describe("timers", () => {
  it("timerDelayMs keeps what Node honours, caps the rest at the longest timer (not 1 ms)", () => {
    expect(timerDelayMs(60_000)).toBe(60_000);
    expect(timerDelayMs(3e9)).toBe(MAX_TIMER_MS);
    expect(timerDelayMs(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MS);
    expect(timerDelayMs(Number.NaN)).toBe(1);
    expect(timerDelayMs(-5)).toBe(1);
    expect(MAX_TIMER_S * 1000).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  it("a capped timer does not fire early", async () => {
    let fired = false;
    const t = setTimeout(() => (fired = true), timerDelayMs(3e9));
    await new Promise((r) => setTimeout(r, 50));
    clearTimeout(t);
    expect(fired).toBe(false);
  });

  for (const [field, yaml] of [
    ["run.watchdogS", "{ warmup: 1, iterations: 4, rounds: 2, watchdogS: 3000000 }"],
    ["run.watchdogS", "{ warmup: 1, iterations: 4, rounds: 2, watchdogS: 1e12 }"],
  ] as const) {
    it(`${field} above ${MAX_TIMER_S} s is a located input error`, () => {
      const text = tinyScenarioYaml({ name: "t", run: yaml });
      let err: unknown;
      try {
        parseScenario(text, "t.yaml");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(
        new RegExp(
          `t\\.yaml:\\d+:\\d+: ${field.replace(".", "\\.")}: expected a value of at most ${MAX_TIMER_S}, found`,
        ),
      );
    });
  }

  it("process.replyTimeoutS above the limit is a located input error", () => {
    const text = `name: p
engine: process
process: { command: [python3, w.py], replyTimeoutS: 10000000000 }
profile:
  inputs:
    input: { shape: [1, 8] }
strategies: [persistent, scoped]
baseline: scoped
`;
    expect(() => parseScenario(text, "p.yaml")).toThrow(
      new RegExp(`p\\.yaml:3:\\d+: process\\.replyTimeoutS: expected a value of at most ${MAX_TIMER_S}`),
    );
  });
});
