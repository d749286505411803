import { describe, expect, it } from "vitest";
import { BlockSeriesBuilder } from "../../src/run/block-series.js";

describe("BlockSeriesBuilder", () => {
  it("keeps at most maxBlocks blocks for any run length and covers every iteration", () => {
    const b = new BlockSeriesBuilder(64);
    const n = 100_003;
    for (let i = 0; i < n; i++) b.add(i, i * 0.5, 1, { used: i * 10 });
    const s = b.toJSON();
    expect(s.firstIteration.length).toBeLessThanOrEqual(64);
    expect(s.firstIteration[0]).toBe(0);
    expect(s.lastIteration.at(-1)).toBe(n - 1);
    // Blocks tile the iterations without gaps or overlaps.
    for (let k = 1; k < s.firstIteration.length; k++) expect(s.firstIteration[k]).toBe(s.lastIteration[k - 1]! + 1);
    expect(Number.isInteger(Math.log2(s.blockSize))).toBe(true);
  });

  it("block min/max/mean are those of the iterations inside each block", () => {
    const b = new BlockSeriesBuilder(4);
    const values = [5, 1, 9, 3, 7, 7, 2, 8, 4, 6];
    for (const [i, v] of values.entries()) b.add(i, i, 2, { m: v });
    const s = b.toJSON();
    for (let k = 0; k < s.firstIteration.length; k++) {
      const inside = values.slice(s.firstIteration[k], s.lastIteration[k]! + 1);
      expect(s.signals.m!.min[k]).toBe(Math.min(...inside));
      expect(s.signals.m!.max[k]).toBe(Math.max(...inside));
      expect(s.signals.m!.mean[k]).toBe(Math.round(inside.reduce((a, c) => a + c, 0) / inside.length));
    }
    expect(s.latencyMeanMs.every((x) => x === 2)).toBe(true);
  });

  it("holds constant memory: a million points leave the same number of blocks as ten thousand", () => {
    const a = new BlockSeriesBuilder(1024);
    const b = new BlockSeriesBuilder(1024);
    for (let i = 0; i < 10_000; i++) a.add(i, i, 1, { x: i });
    for (let i = 0; i < 1_000_000; i++) b.add(i, i, 1, { x: i });
    expect(b.points).toBeLessThanOrEqual(1024);
    expect(a.points).toBeLessThanOrEqual(1024);
    expect(b.points).toBeGreaterThan(256);
  });

  it("rejects an odd block budget", () => {
    expect(() => new BlockSeriesBuilder(3)).toThrow(RangeError);
  });
});
