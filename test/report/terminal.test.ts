import { describe, expect, it } from "vitest";
import { evaluateGates } from "../../src/analysis/gates.js";
import type { GateOutcome } from "../../src/results/verdicts.js";
import { failureLines, formatSummary } from "../../src/report/terminal.js";
import { slope } from "../../src/format.js";
import { loadFixture } from "./helpers.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the ANSI colour codes stripped here
const ANSI = /\u001b\[[0-9;]*m/g;
const FIXTURES = [
  "clean-pass",
  "clean-regressed",
  "faulted",
  "leak-persistent",
  "h100-process-leaky",
  "h100-torch-leak",
];
const tableLines = (text: string) => text.split("\n").filter((l) => /^[│┌├└]/.test(l));

describe("terminal summary", () => {
  it("has no escape codes without colour (cli-table3 styles emptied)", () => {
    const f = loadFixture("faulted");
    const text = formatSummary(f, evaluateGates(f), { color: false });
    expect(text).not.toMatch(ANSI);
    for (const s of ["persistent", "user-managed", "per-shape", "scoped"])
      expect(text).toMatch(new RegExp(`│ ${s} +│`));
    expect(text).toContain("oom at 2,470");
    expect(text).toContain("FAIL residual resnet-trt/sawtooth/fp16: per-shape");
    expect(text.split("\n").pop()).toBe("Gates: 4 failed, 2 warned, 6 passed → FAIL");
  });

  it("colours verdicts and the outcome when asked", () => {
    const f = loadFixture("leak-persistent");
    const text = formatSummary(f, evaluateGates(f), { color: true });
    expect(text).toMatch(ANSI);
    expect(text).toContain("\u001b[31m\u001b[1mleak\u001b[22m\u001b[39m");
  });

  it("keeps table lines equally wide and leaves empty columns out (wide)", () => {
    const f = loadFixture("clean-pass");
    const text = formatSummary(f, evaluateGates(f), { color: false, wide: true });
    const table = tableLines(text);
    const widths = new Set(table.slice(0, 6).map((l) => [...l].length));
    expect(widths.size).toBe(1);
    expect(text).not.toContain("time to OOM");
    expect(text.split("\n").pop()).toBe(`Gates: 0 failed, 0 warned, ${evaluateGates(f).length} passed → PASS`);
  });

  it.each(FIXTURES)("fits 100 columns by default, coloured or not (%s)", (name) => {
    const f = loadFixture(name);
    for (const color of [false, true]) {
      const text = formatSummary(f, evaluateGates(f), { color });
      const table = tableLines(text.replace(ANSI, ""));
      expect(table.length).toBeGreaterThan(3);
      for (const line of table) expect([...line].length).toBeLessThanOrEqual(100);
    }
  });

  it("compact: strategy, state, calls/s, ratio [CI], p99, peak, verdict; the rest below the table", () => {
    const f = loadFixture("leak-persistent");
    const text = formatSummary(f, evaluateGates(f), { color: false });
    const head = tableLines(text)[1]!;
    expect(
      head
        .split("│")
        .map((c) => c.trim())
        .filter(Boolean),
    ).toEqual(["strategy", "state", "calls/s", `× ${f.runs[0]!.baseline} [95% CI]`, "p99 ms", "peak MiB", "verdict"]);
    expect(text).not.toContain("slope [95% CI]");
    // The leak's slope and time to out-of-memory, which the compact table has no column for.
    const leak = f.runs[0]!.strategies.find((s) => s.analysis?.leak[s.primarySignal]?.verdict === "leak")!;
    const a = leak.analysis!.leak[leak.primarySignal]!;
    expect(text).toContain(
      `  ${leak.strategy}: leak ${slope(a.slopeBytesPerIteration, a.slopeCi)} (${leak.primarySignal})`,
    );
    const wide = formatSummary(f, evaluateGates(f), { color: false, wide: true });
    expect(wide).toContain("slope [95% CI]");
    expect(wide).toContain("p50/p99 ms");
    expect(wide).not.toContain(`  ${leak.strategy}: leak `);
  });

  it("prints the verdict the analysis gave, whatever its name", () => {
    const f = loadFixture("clean-pass");
    const s = f.runs[0]!.strategies[0]!;
    (s.analysis!.leak[s.primarySignal] as { verdict: string }).verdict = "shape-growth";
    const text = formatSummary(f, [], { color: false });
    expect(text).toMatch(new RegExp(`│ ${s.strategy} +│.*│ shape-growth +│`));
  });

  it("never prints Infinity or NaN: an aborted run's unbounded intervals read n/a", () => {
    const f = loadFixture("clean-pass");
    const run = f.runs[0]!;
    for (const s of run.strategies) {
      const a = s.analysis!.leak[s.primarySignal]!;
      a.slopeCi = [-Infinity, Infinity];
      s.latency = { ...s.latency!, p50Ms: Number.NaN, p99Ms: Number.NaN };
    }
    for (const t of run.throughput ?? []) t.ratioCi = [-Infinity, Infinity];
    for (const wide of [false, true]) {
      const text = formatSummary(f, evaluateGates(f), { color: false, wide });
      expect(text).not.toMatch(/Infinity|NaN/);
      expect(text).toContain("n/a");
    }
    expect(slope(1.5 * 2 ** 20, [-Infinity, Infinity])).toBe("+1.50 MiB/iter [n/a, n/a]");
    expect(slope(Number.NaN)).toBe("n/a");
  });
});

describe("--quiet failure lines", () => {
  it("one line per failed gate, first line of its message, nothing for passes and warnings", () => {
    const outcomes: GateOutcome[] = [
      {
        gate: "leak",
        status: "fail",
        run: "a/random/fp32",
        strategy: "persistent",
        message: "persistent: leak\nsecond line",
      },
      {
        gate: "run",
        status: "fail",
        run: "a/random/fp32",
        strategy: "scoped",
        message: "scoped did not complete: crashed",
      },
      { gate: "residual", status: "warn", run: "a/random/fp32", message: "teardown: 12 MiB" },
      { gate: "max-peak", status: "pass", run: "a/random/fp32", message: "ok" },
    ];
    expect(failureLines(outcomes)).toEqual([
      "FAIL leak a/random/fp32: persistent: leak",
      "FAIL run a/random/fp32: scoped did not complete: crashed",
    ]);
  });
});
