/**
 * The report's GPU per run (UUID, clocks at start) and its note for strategies whose GPU
 * figures are device-level (NVML could not see their process), idle GPU or not.
 */
import { describe, expect, it } from "vitest";
import { evaluateGates } from "../../src/analysis/gates.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import type { ResultsFile, RunGpu } from "../../src/results/types.js";
import { loadFixture } from "./helpers.js";

const h200 = (index: number): RunGpu => ({
  index,
  name: "NVIDIA H200",
  uuid: `GPU-${index}a2b-uuid`,
  totalBytes: 150_754_820_096,
  driverVersion: "580.95.05",
  clocks: { smMHz: 345, smMaxMHz: 1980, memMHz: 3201, memMaxMHz: 3201 },
  recordedAt: "2026-12-01T20:00:00.000Z",
});

function render(results: ResultsFile): string {
  return renderMarkdown(results, evaluateGates(results), { chartDir: "c", charts: false }).markdown;
}

describe("report: GPU per run", () => {
  it("lists each run's GPU, UUID and clocks (now / max)", () => {
    const results = loadFixture("clean-pass");
    results.runs[0]!.gpu = h200(1);
    const md = render(results);
    expect(md).toContain("### GPU per run (read at its start)");
    expect(md).toContain(`| \`${results.runs[0]!.key}\` | 1: NVIDIA H200 | GPU-1a2b-uuid | 345 / 1980 | 3201 / 3201 |`);
  });

  it("no section when no run recorded a GPU (CPU runs, older files)", () => {
    expect(render(loadFixture("clean-pass"))).not.toContain("GPU per run");
  });

  it("says which strategies' figures are device-level, and when they are unreliable", () => {
    const results = loadFixture("clean-pass");
    const run = results.runs[0]!;
    run.gpu = h200(0);
    const [a, b] = run.strategies;
    a!.gpuAttribution = {
      mode: "device-level",
      reason: "pid-not-listed",
      idle: true,
      baseDeviceBytes: 1,
      listedPids: [],
    };
    b!.gpuAttribution = {
      mode: "device-level",
      reason: "foreign-pids-only",
      idle: false,
      baseDeviceBytes: 1,
      listedPids: [555, 981234],
    };
    const md = render(results);
    expect(md).toContain(`- \`${run.key}\` **${a!.strategy}**: NVML's per-process figure could not see its process`);
    expect(md).toContain("The GPU was otherwise idle, so the figures are this strategy's own.");
    expect(md).toContain(`- \`${run.key}\` **${b!.strategy}**`);
    expect(md).toContain(
      "NVML listed PIDs 555, 981234 when this was decided): the figures hold their memory too and are unreliable.",
    );
  });
});
