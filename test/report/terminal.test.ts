import { describe, expect, it } from "vitest";
import { evaluateGates } from "../../src/analysis/gates.js";
import { formatSummary } from "../../src/report/terminal.js";
import { loadFixture } from "./helpers.js";

const ANSI = /\u001b\[/;

describe("terminal summary", () => {
  it("has no escape codes without colour (cli-table3 styles emptied)", () => {
    const f = loadFixture("faulted");
    const text = formatSummary(f, evaluateGates(f), { color: false });
    expect(text).not.toMatch(ANSI);
    for (const s of ["persistent", "user-managed", "per-shape", "scoped"]) expect(text).toMatch(new RegExp(`│ ${s} +│`));
    expect(text).toContain("ran out at 2 470");
    expect(text).toContain("FAIL residual resnet-trt/sawtooth/fp16: per-shape");
    expect(text.split("\n").pop()).toBe("Gates: 4 failed, 2 warned, 6 passed → FAIL");
  });

  it("colours verdicts and the outcome when asked", () => {
    const f = loadFixture("leak-persistent");
    const text = formatSummary(f, evaluateGates(f), { color: true });
    expect(text).toMatch(ANSI);
    expect(text).toContain("\u001b[31m\u001b[1mleak\u001b[22m\u001b[39m");
  });

  it("keeps table lines equally wide and leaves empty columns out", () => {
    const f = loadFixture("clean-pass");
    const text = formatSummary(f, evaluateGates(f), { color: false });
    const table = text.split("\n").filter((l) => /^[│┌├└]/.test(l));
    const widths = new Set(table.slice(0, 6).map((l) => [...l].length));
    expect(widths.size).toBe(1);
    expect(text).not.toContain("time to OOM");
    expect(text.split("\n").pop()).toBe(`Gates: 0 failed, 0 warned, ${evaluateGates(f).length} passed → PASS`);
  });
});
