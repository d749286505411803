import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAnalyze } from "../../src/cli/analyze.js";
import { KiB, synthShapedTrace } from "../../src/analysis/synth.js";

function csv(withShape: boolean, leak: number): string {
  const t = synthShapedTrace({ arrival: "often", calls: 667, replayCalls: 333, seed: 11, leakBytesPerCall: leak });
  const rows = [withShape ? "iteration,time_ms,latency_ms,shape,used_bytes" : "iteration,time_ms,used_bytes"];
  for (let i = 0; i < t.value.length; i++) {
    const shape = t.shapeNames[t.shapeIds[i]!]!;
    rows.push(
      withShape
        ? `${i},${t.timeMs[i]!.toFixed(3)},${t.latencyMs[i]!.toFixed(4)},${shape},${t.value[i]}`
        : `${i},${t.timeMs[i]!.toFixed(3)},${t.value[i]}`,
    );
  }
  const file = join(mkdtempSync(join(tmpdir(), "vramgate-analyze-shape-")), "trace.csv");
  writeFileSync(file, `${rows.join("\n")}\n`);
  return file;
}

async function analyze(file: string): Promise<Record<string, any>> {
  let text = "";
  await runAnalyze({ file, json: true, failOnLeak: false }, (s) => (text += s));
  return JSON.parse(text);
}

describe("analyze with a shape column", () => {
  it("attributes growth to new shapes: shape-growth, with the tax", async () => {
    const r = await analyze(csv(true, 0));
    expect(r.verdict).toBe("shape-growth");
    expect(r.shapes.newShapeCalls).toBeGreaterThan(500);
    expect(r.shapes.tax.latencyRatio).toBeGreaterThan(10);
  });

  it("without the column, behaves as before (no attribution)", async () => {
    const r = await analyze(csv(false, 0));
    expect(r.shapes).toBeUndefined();
    expect(r.verdict).not.toBe("shape-growth");
  });

  it("still finds a leak on top of shape growth", async () => {
    const r = await analyze(csv(true, 256 * KiB));
    expect(r.verdict).toBe("leak");
    expect(r.shapes.reason).toBe("repeat-growth");
  });
});
