/**
 * Output that never contradicts itself (issue #12 item 7), each case asserted on what is
 * printed: a slope beside `flat`, a climb swallowed by the automatic warm-up, the
 * recommendation's words against its numbers, and `within-noise` without the change that
 * could have been seen.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareResults } from "../../src/analysis/compare.js";
import { evaluateGates } from "../../src/analysis/gates.js";
import { analyzeLeak } from "../../src/analysis/leak.js";
import type { LeakAnalysis } from "../../src/results/verdicts.js";
import { runAnalyze } from "../../src/cli/analyze.js";
import { formatComparison } from "../../src/cli/compare.js";
import { percentChange } from "../../src/format.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { recommend } from "../../src/analysis/recommend.js";
import { formatSummary } from "../../src/report/terminal.js";
import type { ResultsFile, StrategyResult } from "../../src/results/types.js";
import { loadFixture } from "./helpers.js";

const MiB = 1024 * 1024;

/** Deterministic noise in [−0.5, 0.5). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

function csv(values: number[]): string {
  const dir = mkdtempSync(join(tmpdir(), "vramgate-contra-"));
  const file = join(dir, "trace.csv");
  writeFileSync(file, `iteration,used_bytes\n${values.map((v, i) => `${i},${Math.round(v)}`).join("\n")}\n`);
  return file;
}

async function analyze(file: string, extra: { warmup?: number } = {}): Promise<string> {
  const out: string[] = [];
  await runAnalyze({ file, json: false, failOnLeak: false, ...extra }, (s) => out.push(s));
  return out.join("\n");
}

function primary(s: StrategyResult): LeakAnalysis {
  return s.analysis!.leak[s.primarySignal]!;
}

describe("a flat verdict never prints a slope that reads as growth", () => {
  // One strategy judged flat with a noisy slope estimate of +1.00 MiB/iter (CI −2…+4 MiB).
  function flatWithBigSlope(): ResultsFile {
    const f = loadFixture("leak-persistent");
    const scoped = f.runs[0]!.strategies.find((s) => s.strategy === "scoped")!;
    Object.assign(primary(scoped), { verdict: "flat", slopeBytesPerIteration: 1 * MiB, slopeCi: [-2 * MiB, 4 * MiB] });
    return f;
  }

  it("the wide terminal table and the markdown table say 'within noise' with the interval", () => {
    const f = flatWithBigSlope();
    const outcomes = evaluateGates(f);
    const row = formatSummary(f, outcomes, { color: false, wide: true })
      .split("\n")
      .find((l) => /^│ scoped\s/.test(l))!;
    expect(row).toContain("within noise [−2.00, 4.00] MiB/iter");
    expect(row).toContain("flat");
    expect(row).not.toContain("+1.00 MiB/iter");
    const md = renderMarkdown(f, outcomes, { chartDir: "c" })
      .markdown.split("\n")
      .find((l) => l.startsWith("| **scoped**"))!;
    expect(md).toContain("| within noise [−2.00, 4.00] MiB/iter | flat |");
  });

  it("the analysis' own words for flat name the slope as noise and the change it decided on", async () => {
    // 20 calls of ±10 MiB noise around 500 MiB: the Theil–Sen estimate alone is large.
    const r = lcg(3);
    const file = csv(Array.from({ length: 20 }, () => 500 * MiB + 21 * MiB * r()));
    const text = await analyze(file, { warmup: 0 });
    expect(text).toMatch(
      /: FLAT — flat: no material growth after warm-up \(slope within noise, 95 % CI −[\d.]+–[\d.]+ MiB\/iter; (rose [\d.]+ KiB from the first to the last fifth, under the 1\.00 MiB floor|fell [\d.]+ [KM]iB from the first to the last fifth)\)$/,
    );
  });
});

describe("analyze: a climb inside the automatic warm-up is not thrown away", () => {
  // 80 MiB climb over the first 115 of 1,000 calls, then flat (±0.5 MiB): the automatic
  // warm-up cut (first 10 %) holds most of it.
  const r = lcg(7);
  const values = Array.from({ length: 1000 }, (_, i) => 2000 * MiB + (Math.min(i, 115) / 115) * 80 * MiB + MiB * r());

  it("reports a plateau and says the growth was in the automatic warm-up", async () => {
    const file = csv(values);
    expect(await analyze(file)).toBe(
      `${file} (used_bytes, 1,000 rows): PLATEAU — plateau: grew 78.6 MiB during the automatic warm-up (the first 10 %, before iteration 100), reaching its level by iteration 107, then stayed flat (slope within noise, 95 % CI −50–427 B/iter); set the warm-up (--warmup) to judge it otherwise`,
    );
  });

  it("with --warmup 0 the plateau's growth is the whole climb, not the difference of two fifths", async () => {
    const text = await analyze(csv(values), { warmup: 0 });
    expect(text).toMatch(/PLATEAU — plateau: grew 79\.\d MiB then stopped by iteration 113;/);
  });

  it("an explicit warm-up that cuts the climb is the user's choice: flat", () => {
    const it = Float64Array.from(values, (_, i) => i);
    expect(analyzeLeak({ iteration: it, value: Float64Array.from(values) }, { warmupIterations: 200 }).verdict).toBe(
      "flat",
    );
  });
});

describe("the recommendation's words match the numbers", () => {
  it("says what it is ranked by, and names a strategy with more calls/s but a lower ratio", () => {
    const f = loadFixture("clean-pass");
    const run = f.runs[0]!;
    // persistent keeps the higher ratio (1.04× vs 1.03×) but its median calls/s drops below teardown's.
    for (const round of run.strategies.find((s) => s.strategy === "persistent")!.rounds) round.itemsPerSecond *= 0.97;
    run.recommendation = recommend(run); // analysis decides it from the changed rounds; renderers only word it
    const md = renderMarkdown(f, evaluateGates(f), { chartDir: "c" }).markdown;
    const line = md.split("\n").find((l) => l.startsWith("**Recommendation: `persistent`**"))!;
    expect(line).toBe(
      "**Recommendation: `persistent`** — Ranked first by throughput against `scoped`, the median of per-round ratios from interleaved rounds: 1.04× [1.02, 1.07]. " +
        "Not told apart from `teardown` (1.03× [1.00, 1.06]): the 95 % intervals overlap, so the order between them is not decided. " +
        "Its median calls/s (40.5) is below `teardown` 40.6: calls/s is a median over rounds that drift, the ratio compares each round side by side. " +
        "Memory: grew, then stopped (plateau); residual after release not measured (persistent never releases).",
    );
    expect(md).not.toContain("the fastest");
    const term = formatSummary(f, evaluateGates(f), { color: false }).split("\n");
    const at = term.findIndex((l) => l.startsWith("Recommendation: persistent"));
    expect(term.slice(at + 1, at + 5)).toEqual([
      "  ranked by × scoped (median per-round ratio, interleaved rounds): 1.04× [1.02, 1.07]",
      "  not told apart from teardown 1.03× [1.00, 1.06]: the 95 % intervals overlap",
      "  more calls/s: teardown 40.6 (vs 40.5); calls/s drifts between rounds, the ratio pairs them",
      "  memory: grew, then stopped (plateau); no residual measured (persistent never releases)",
    ]);
  });

  it("never says a strategy leaves nothing behind when it left 159 MiB of host memory", () => {
    const f = loadFixture("clean-pass");
    const run = f.runs[0]!;
    delete run.gate.maxResidualMiB; // host memory: no default limit applies
    run.strategies.find((s) => s.strategy === "persistent")!.state = "crashed";
    run.strategies.find((s) => s.strategy === "teardown")!.residual = { afterReleaseBytes: 159 * MiB };
    run.recommendation = recommend(run);
    expect(run.recommendation.strategy).toBe("teardown");
    const md = renderMarkdown(f, evaluateGates(f), { chartDir: "c" }).markdown;
    const line = md.split("\n").find((l) => l.startsWith("**Recommendation: `teardown`**"))!;
    expect(line).toContain(
      "Memory: grew, then stopped (plateau); leaves 159 MiB of host memory after release (not held to a limit: host allocators keep freed pages; gate.maxResidualMiB sets one).",
    );
    expect(line).not.toMatch(/neither leaks|leaves nothing|leaves no memory/);
  });
});

describe("compare: within-noise says what change could have been seen", () => {
  /** clean-pass with persistent's head rounds scattered around a 45 % drop. */
  function noisyDrop(): { base: ResultsFile; head: ResultsFile } {
    const base = loadFixture("clean-pass");
    const head = loadFixture("clean-pass");
    head.runId = "noisy-head";
    const p = head.runs[0]!.strategies.find((s) => s.strategy === "persistent")!;
    const scatter = [0.2, 1.3, 0.55, 1.1, 0.3, 0.5];
    for (const [i, round] of p.rounds.entries()) round.itemsPerSecond *= scatter[i % scatter.length]!;
    return { base, head };
  }

  it("prints the smallest drop and gain this noise would have shown, beside the claim", () => {
    const { base, head } = noisyDrop();
    const c = compareResults(base, head);
    const t = c.strategies.find((s) => s.run === "resnet-cpu/cycle/fp32" && s.strategy === "persistent")!.throughput;
    expect(t.claim).toBe("within-noise");
    expect(t.ratio!).toBeLessThan(0.7);
    // At this noise the observed drop is smaller than the smallest one that would be called.
    expect(t.detectable!.drop).toBeGreaterThan(1 - t.ratio!);
    expect(t.detectable!.drop).toBeCloseTo(1 - (0.95 * t.ratio!) / t.ratioCi![1], 10);
    const cell = `within-noise (detectable: ${percentChange(1 - t.detectable!.drop)} / ${percentChange(1 + t.detectable!.rise)})`;
    const text = formatComparison(c);
    const row = text.split("\n").find((l) => l.includes("resnet-cpu/cycle/fp32") && l.includes("persistent"))!;
    expect(row).toContain(cell);
    expect(text).toContain("detectable: the smallest drop and gain this comparison could have called at its own noise");
    const md = renderMarkdown(head, evaluateGates(head), { chartDir: "c", comparison: c }).markdown;
    expect(md.split("\n").find((l) => l.startsWith("| `resnet-cpu/cycle/fp32` | persistent |"))).toContain(
      `| ${cell} |`,
    );
    expect(md).toContain("Detectable: the smallest drop and gain this comparison could have called at its own noise");
  });
});

describe("a strategy that never released is not said to have left memory after release", () => {
  it("persistent's only figure (device memory after its process exited) is named as such, in table, notes and recommendation", () => {
    const f = loadFixture("clean-pass");
    const run = f.runs[0]!;
    const persistent = run.strategies.find((s) => s.strategy === "persistent")!;
    persistent.residual = { afterExitDeviceBytes: 0 };
    const teardown = run.strategies.find((s) => s.strategy === "teardown")!;
    teardown.residual = { afterReleaseBytes: 6 * MiB, afterExitDeviceBytes: 0 };
    run.recommendation = recommend(run);
    expect(run.recommendation.strategy).toBe("persistent");
    expect(run.recommendation.memory?.residualAfter).toBe("exit");

    const text = formatSummary(f, [], { color: false });
    expect(text).toContain("  residual after release: teardown 6.0 MiB");
    expect(text).toContain("  never released; device memory after exit: persistent 0.0 MiB");
    expect(text).not.toMatch(/residual after release:.*persistent/);
    expect(text).toContain("never released; 0.0 MiB of device memory left after its process exited");
    expect(text).not.toMatch(/memory: .*0\.0 MiB left after release/);

    const wide = formatSummary(f, [], { color: false, wide: true });
    expect(wide).toMatch(/│ persistent .*│ +0\.0 \(exit\) │/);
    const { markdown } = renderMarkdown(f, [], { chartDir: "c" });
    expect(markdown).toContain("0.0 (after exit)");

    // Below where it started (H200: −5.6 MiB device-wide after a persistent worker exited): no "−5.6 MiB left".
    persistent.residual = { afterExitDeviceBytes: -5.6 * MiB };
    run.recommendation = recommend(run);
    const below = formatSummary(f, [], { color: false });
    expect(below).toContain(
      "never released; no device memory left after its process exited (the device ended 5.6 MiB below",
    );
    expect(below).not.toMatch(/-5\.6 MiB of device memory left/);
  });
});
