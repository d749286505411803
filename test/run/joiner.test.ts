import { describe, expect, it } from "vitest";
import { Joiner } from "../../src/run/joiner.js";
import type { MarkBatch } from "../../src/run/protocol.js";

function samples(ts: number[], rss: number[]) {
  return { tNs: ts, rssBytes: rss, gpuProcessBytes: ts.map(() => NaN), deviceUsedBytes: ts.map(() => NaN) };
}
function marks(list: Array<[number, number, number]>): MarkBatch {
  return {
    index: list.map((m) => m[0]),
    startNs: list.map((m) => m[1]),
    endNs: list.map((m) => m[2]),
    gpuMs: list.map(() => -1),
    shape: list.map(() => "input:1"),
    stats: { engineBytes: list.map((m) => m[0] * 100) },
  };
}

describe("Joiner", () => {
  it("takes the highest sample during a call, and the latest before it for short calls", () => {
    const j = new Joiner(["rssBytes"]);
    j.addSamples(samples([0, 10, 20, 30, 40, 50], [100, 300, 200, 400, 400, 500]));
    j.addMarks(
      marks([
        [0, 5, 25],
        [1, 31, 33],
        [2, 41, 45],
      ]),
    );
    const r = j.take();
    expect(r.map((x) => x.signals.rssBytes)).toEqual([300, 400, 400]);
    expect(r.map((x) => x.signals.engineBytes)).toEqual([0, 100, 200]);
  });

  it("waits for a sample after a call's end before resolving it (late samples are not missed)", () => {
    const j = new Joiner(["rssBytes"]);
    j.addSamples(samples([0, 10], [1, 2]));
    j.addMarks(marks([[0, 5, 15]]));
    expect(j.take()).toEqual([]);
    j.addSamples(samples([12, 20], [9, 3]));
    const r = j.take();
    expect(r).toHaveLength(1);
    expect(r[0]!.signals.rssBytes).toBe(9);
  });

  it("resolves everything on demand at the end, and stays small over long runs", () => {
    const j = new Joiner(["rssBytes"]);
    let out = 0;
    for (let k = 0; k < 20_000; k++) {
      j.addSamples(samples([k * 10], [k]));
      j.addMarks(marks([[k, k * 10 + 1, k * 10 + 9]]));
      out += j.take().length;
    }
    out += j.take(true).length;
    expect(out).toBe(20_000);
    expect(j.latest("rssBytes")).toBe(19_999);
  });
});
