import { describe, expect, it } from "vitest";
import { analyzeLayers, crossCheckSources, slopesAgree } from "../../src/analysis/layers.js";
import { isDeviceSignal } from "../../src/analysis/figures.js";
import { OUTSIDE_ALLOCATOR_SIGNAL, outsideAllocatorBytes } from "../../src/results/layers.js";
import type { LeakAnalysis } from "../../src/results/verdicts.js";
import { layerTerminalLines, layerMarkdown, layerChart } from "../../src/report/layers.js";
import { benchSummary } from "../../src/cli/bench-json.js";
import { runAnalyze } from "../../src/cli/analyze.js";
import { layerResults, layerStrategy } from "./layer-runs.js";

const MiB = 1024 * 1024;

function byKey(prefix: string) {
  const run = layerResults().runs.find((r) => r.key.startsWith(prefix))!;
  const [persistent, scoped] = run.strategies;
  return { run, persistent: persistent!, scoped: scoped! };
}

describe("outside the allocator (derived per call)", () => {
  it("is the process total minus every allocator's reserved bytes", () => {
    expect(outsideAllocatorBytes({ gpuProcessBytes: 1000, torchReservedBytes: 300, torchAllocatedBytes: 10 })).toBe(
      700,
    );
    expect(outsideAllocatorBytes({ gpuProcessBytes: 1000, torchReservedBytes: 300, cupyTotalBytes: 200 })).toBe(500);
  });

  it("is absent without the total, without an allocator, or with a figure not measured", () => {
    expect(outsideAllocatorBytes({ torchReservedBytes: 300 })).toBeUndefined();
    expect(outsideAllocatorBytes({ gpuProcessBytes: 1000, rssBytes: 5 })).toBeUndefined();
    expect(outsideAllocatorBytes({ gpuProcessBytes: Number.NaN, torchReservedBytes: 1 })).toBeUndefined();
    // NVML lists no memory for the process (another PID namespace): no layer to derive.
    expect(outsideAllocatorBytes({ gpuProcessBytes: 0, torchReservedBytes: 300 })).toBeUndefined();
  });

  it("is recorded by the run as a signal of its own, per call, and judged as device memory", () => {
    const s = layerStrategy("persistent", "outside", 40);
    const sig = s.series.signals[OUTSIDE_ALLOCATOR_SIGNAL]!;
    const total = s.series.signals.gpuProcessBytes!;
    const reserved = s.series.signals.torchReservedBytes!;
    expect(sig.max).toHaveLength(total.max.length);
    // Blocks of one call here (40 < 64 blocks): the derived value is exactly total − reserved.
    expect(s.series.blockSize).toBe(1);
    expect(sig.max).toEqual(total.max.map((t, i) => t - reserved.max[i]!));
    expect(isDeviceSignal(OUTSIDE_ALLOCATOR_SIGNAL)).toBe(true);
    expect(isDeviceSignal("torchReservedBytes")).toBe(true);
    expect(isDeviceSignal("rssBytes")).toBe(false);
  });
});

describe("where growth lives (synthetic runs through the joiner and the analyser)", () => {
  it("allocated grows → your tensors", () => {
    const { persistent, scoped } = byKey("retained-tensors");
    const l = persistent.analysis!.layers!;
    expect(l.allocators).toEqual(["torch"]);
    expect(l.allocated[0]!.verdict).toBe("leak");
    expect(l.allocated[0]!.slopeBytesPerIteration).toBeGreaterThan(2.5 * MiB);
    expect(l.outside?.verdict).not.toBe("leak");
    expect(l.where).toEqual(["tensors"]);
    expect(scoped.analysis!.layers!.where).toEqual([]);
  });

  it("reserved grows with allocated flat → allocator cache", () => {
    const { persistent } = byKey("fragmentation");
    const l = persistent.analysis!.layers!;
    expect(l.allocated[0]!.verdict).not.toBe("leak");
    expect(l.reserved[0]!.verdict).toBe("leak");
    expect(l.where).toEqual(["allocator-cache"]);
  });

  it("only the process total grows → outside the allocator", () => {
    const { persistent } = byKey("raw-cudamalloc");
    const l = persistent.analysis!.layers!;
    expect(l.total?.verdict).toBe("leak");
    expect(l.reserved[0]!.verdict).not.toBe("leak");
    expect(l.outside?.verdict).toBe("leak");
    expect(l.outside!.slopeBytesPerIteration).toBeGreaterThan(0.8 * MiB);
    expect(l.where).toEqual(["outside-allocator"]);
    // Reserved says flat while the total grows: that disagreement is the outside layer, reported.
    const sources = persistent.analysis!.sources!;
    const share = sources.find((c) => c.quantity === "allocator-share")!;
    expect(share.agree).toBe(false);
    // NVML process, NVML device-wide and cudaMemGetInfo see the same growth.
    const device = sources.filter((c) => c.quantity === "device-memory");
    expect(device.map((c) => c.signals[1]).sort()).toEqual(["cudaMemGetInfoUsedBytes", "deviceUsedBytes"]);
    expect(device.every((c) => c.agree)).toBe(true);
  });

  it("reports no layers where no allocator signal was recorded", () => {
    const flat = fakeLeak("flat", 0);
    expect(analyzeLayers({ gpuProcessBytes: flat, rssBytes: flat })).toBeUndefined();
  });

  it("says a total leak no single layer explains is unattributed", () => {
    const l = analyzeLayers({
      gpuProcessBytes: fakeLeak("leak", MiB),
      torchAllocatedBytes: fakeLeak("flat", 0),
      torchReservedBytes: fakeLeak("inconclusive", 0.5 * MiB),
      outsideAllocatorBytes: fakeLeak("inconclusive", 0.5 * MiB),
    })!;
    expect(l.where).toEqual([]);
    expect(l.unattributed).toBe(true);
  });

  it("names both tensors and the cache when reserved outgrows allocated by more than rounding", () => {
    const l = analyzeLayers({
      torchAllocatedBytes: fakeLeak("leak", MiB),
      torchReservedBytes: fakeLeak("leak", 5 * MiB),
    })!;
    expect(l.where).toEqual(["tensors", "allocator-cache"]);
  });
});

describe("sources of one quantity", () => {
  it("are compared without layers too (an engine with no allocator figures), only around a leak", () => {
    const sources = crossCheckSources({
      gpuProcessBytes: fakeLeak("leak", MiB, 0.01 * MiB),
      deviceUsedBytes: fakeLeak("flat", 0, 1024),
    });
    expect(sources).toEqual([
      expect.objectContaining({
        signals: ["gpuProcessBytes", "deviceUsedBytes"],
        quantity: "device-memory",
        agree: false,
      }),
    ]);
    expect(crossCheckSources({ gpuProcessBytes: fakeLeak("flat", 0), deviceUsedBytes: fakeLeak("flat", 0) })).toEqual(
      [],
    );
  });

  it("agree when the intervals overlap or the slopes are within tolerance, and not otherwise", () => {
    expect(slopesAgree(fakeLeak("leak", MiB, 0.1 * MiB), fakeLeak("leak", 1.15 * MiB, 0.1 * MiB)).agree).toBe(true);
    expect(slopesAgree(fakeLeak("leak", MiB, 0), fakeLeak("leak", 1.05 * MiB, 0)).agree).toBe(true);
    expect(slopesAgree(fakeLeak("leak", MiB, 0.01 * MiB), fakeLeak("flat", 0, 1024)).agree).toBe(false);
  });
});

describe("layers in words", () => {
  it("terminal: one line per strategy naming the place in the issue's words", () => {
    const lines = layerResults().runs.flatMap((r) => layerTerminalLines(r));
    expect(
      lines.some((l) => l.includes("persistent layers (torch)") && l.includes("your tensors (allocated grows)")),
    ).toBe(true);
    expect(lines.some((l) => l.includes("allocator cache / fragmentation (reserved grows, allocated flat)"))).toBe(
      true,
    );
    expect(lines.some((l) => l.includes("outside the allocator (library caches, kernels, raw allocations)"))).toBe(
      true,
    );
    expect(lines.some((l) => l.startsWith("  persistent sources:") && l.includes("DISAGREE"))).toBe(true);
  });

  it("markdown: a table row per strategy and a chart of every layer on one axis", () => {
    const { run, persistent } = byKey("raw-cudamalloc");
    const md = layerMarkdown(run).join("\n");
    expect(md).toContain("### Memory layers");
    expect(md).toMatch(/\| persistent \| leak \+1\.\d+ MiB\/iter \|/);
    const svg = layerChart(run, persistent)!;
    for (const label of ["GPU memory (process)", "torch reserved", "torch allocated", "outside allocator"])
      expect(svg).toContain(label);
  });
});

describe("analyze of a results JSON", () => {
  it("judges a layer picked with --column and says where growth lives as the run judged it", async () => {
    const out: string[] = [];
    const file = new URL("../fixtures/results/layers.json", import.meta.url).pathname;
    const code = await runAnalyze({ file, column: "outsideAllocatorBytes", json: false, failOnLeak: true }, (s) =>
      out.push(s),
    );
    const text = out.join("\n");
    expect(code).toBe(1);
    expect(text).toMatch(/raw-cudamalloc[\s\S]*persistent +outsideAllocatorBytes LEAK/);
    expect(text).toContain("persistent    growth lives in: outside the allocator");
    expect(text).toContain("persistent    growth lives in: allocator cache / fragmentation");
  });
});

describe("layers in bench --json", () => {
  it("carries where growth lives, each layer's verdict and the sources that disagree", () => {
    const results = layerResults();
    const summary = benchSummary({ results, outcomes: [], exitCode: 1, resultsPath: "r.json", reportPath: "r.md" });
    const raw = summary.runs.find((r) => r.key.startsWith("raw-cudamalloc"))!;
    const [persistent, scoped] = raw.strategies;
    expect(persistent!.layers).toEqual({
      allocators: ["torch"],
      where: ["outside-allocator"],
      unattributed: false,
      verdicts: expect.objectContaining({ gpuProcessBytes: "leak", outsideAllocatorBytes: "leak" }),
    });
    expect(persistent!.sourcesDisagree).toEqual([["torchReservedBytes", "gpuProcessBytes"]]);
    expect(scoped!.layers?.where).toEqual([]);
    expect(scoped!.sourcesDisagree).toEqual([]);
  });
});

function fakeLeak(verdict: LeakAnalysis["verdict"], slope: number, halfWidth = 0.05 * Math.abs(slope)): LeakAnalysis {
  return {
    verdict,
    slopeBytesPerIteration: slope,
    slopeCi: [slope - halfWidth, slope + halfWidth],
    pValue: verdict === "leak" ? 1e-6 : 0.5,
    growthBytes: slope * 100,
    points: 100,
    explanation: "",
  };
}
