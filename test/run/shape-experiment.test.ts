/**
 * The designed experiment end to end on the CPU: a process worker whose memory grows only
 * at first-seen shapes (a plan cache) is never called a leak; with a per-call leak on top,
 * the strategies that keep their context are. Verdicts use host RSS (the worker says it
 * uses no GPU), so this runs anywhere.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, resultsIn, runCli } from "../helpers/cli.js";

function scenario(dir: string, name: string, env: Record<string, string>): string {
  const worker = join(ROOT, "test/fixtures/workers/shape_cache.py");
  const envYaml = Object.entries({ PYTHONPATH: join(ROOT, "python"), ...env })
    .map(([k, v]) => `${k}: "${v}"`)
    .join(", ");
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
engine: process
process: { command: [python3, ${JSON.stringify(worker)}], env: { ${envYaml} } }
profile:
  inputs:
    input_ids: { min: [1, 8], opt: [2, 32], max: [4, 64], dtype: int64 }
  sequence: random
strategies: [persistent, scoped]
baseline: scoped
run: { warmup: 2, iterations: 150, rounds: 3, watchdogS: 120 }
gate: { leak: fail, shapeGrowth: warn }
`,
  );
  return file;
}

describe("shape experiment (process worker, host RSS)", () => {
  it("growth per new shape is shape-growth, never leak; a leak on top is found where the context is kept", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vramgate-shapes-"));
    const clean = scenario(dir, "plans", {});
    const leaky = scenario(dir, "plansleak", { FIXTURE_LEAK_BYTES: String(512 * 1024) });
    const out = join(dir, "out");
    const { code, stderr } = await runCli(["bench", clean, leaky, "--out", out, "--quiet"]);
    expect(stderr).not.toMatch(/\n\s+at /);
    const r = resultsIn(out)[0]!;
    const verdict = (scenarioName: string, strategy: string) => {
      const s = r.runs.find((x) => x.scenario === scenarioName)!.strategies.find((x) => x.strategy === strategy)!;
      const a = s.analysis!.leak[s.primarySignal]!;
      return {
        s,
        v: a.verdict,
        why: `${scenarioName} ${strategy}: ${a.verdict} — ${a.explanation}; confirmation ${JSON.stringify(s.confirmation)}`,
      };
    };
    for (const strategy of ["persistent", "scoped"]) {
      const { s, v, why } = verdict("plans", strategy);
      expect(s.primarySignal).toBe("rssBytes");
      expect(v, why).not.toBe("leak");
      expect(["shape-growth", "plateau", "flat"], why).toContain(v);
      expect(s.confirmation!.replayCalls).toBeGreaterThanOrEqual(75);
      expect(s.shapeStats!.newShapeCalls).toBeGreaterThan(50);
      // About 1 MiB per new shape, seen through RSS.
      const per = s.analysis!.shapes!.rssBytes!.bytesPerNewShape;
      expect(per).toBeGreaterThan(512 * 1024);
      expect(per).toBeLessThan(4 * 1024 * 1024);
    }
    const kept = verdict("plansleak", "persistent");
    expect(kept.v, kept.why).toBe("leak");
    const scoped = verdict("plansleak", "scoped");
    expect(scoped.v, scoped.why).not.toBe("leak");
    // The leak fails the gate; shape growth only warns.
    expect(code).toBe(1);
    const gates = r.gates ?? [];
    expect(
      gates.some(
        (g) =>
          g.gate === "leak" && g.status === "fail" && g.run?.startsWith("plansleak") && g.strategy === "persistent",
      ),
    ).toBe(true);
    expect(gates.some((g) => g.status === "fail" && g.run?.startsWith("plans/"))).toBe(false);
  }, 240_000);
});
