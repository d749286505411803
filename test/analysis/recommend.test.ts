/**
 * The recommendation on real GPU evidence (results/examples/h200-shapes, the encoder on
 * libtorch, H200): every strategy that releases leaves ~110 MiB that libtorch keeps for
 * the process (cuBLAS/cuDNN workspaces, loaded kernels). Held to that floor, not to zero,
 * they stay candidates — issue #17's rule fix: the old rule excluded all of them and
 * recommended persistent by elimination.
 */
import { describe, expect, it } from "vitest";
import { recommend } from "../../src/analysis/recommend.js";
import { recommendationWords } from "../../src/report/recommend.js";
import type { ResultsFile } from "../../src/results/types.js";
import { evidence as evidenceOf } from "../helpers/evidence.js";

const evidence = (name: string): ResultsFile => evidenceOf(`h200-shapes/${name}`);

const MiB = 1024 * 1024;

describe("recommendation: residual held to what the process keeps anyway", () => {
  it("keeps the strategies that leave only libtorch's floor, and ranks them by throughput", () => {
    const run = evidence("encoder-torch").runs[0]!;
    const released = run.strategies.filter((s) => typeof s.residual?.afterReleaseBytes === "number");
    expect(released.length).toBeGreaterThanOrEqual(2);
    for (const s of released) expect(s.residual!.afterReleaseBytes! / MiB).toBeGreaterThan(50);
    const rec = recommend(run);
    expect(rec.excluded.filter((e) => e.code === "residual")).toEqual([]);
    expect(rec.rankedBy).toBe("ratio");
    // The winner is the candidate with the highest ratio to the baseline.
    const best = Math.max(
      ...run.strategies.map((s) =>
        s.strategy === run.baseline ? 1 : (run.throughput?.find((t) => t.strategy === s.strategy)?.ratio ?? -1),
      ),
    );
    expect(rec.ratio).toBe(best);
    expect(rec.memory?.residualFloorBytes).toBeGreaterThan(50 * MiB);
  });

  it("still excludes a strategy that leaves more than the floor plus the limit", () => {
    const run = evidence("encoder-torch").runs[0]!;
    const teardown = run.strategies.find((s) => s.strategy === "teardown")!;
    teardown.residual = {
      ...teardown.residual,
      afterReleaseBytes: (teardown.residual!.afterReleaseBytes ?? 0) + 64 * MiB,
    };
    const rec = recommend(run);
    expect(rec.excluded).toContainEqual(expect.objectContaining({ strategy: "teardown", code: "residual" }));
    const e = rec.excluded.find((x) => x.strategy === "teardown")!;
    expect(e.code === "residual" && e.residualBytes - (e.floorBytes ?? 0)).toBeGreaterThan(63 * MiB);
  });
});

describe("recommendation: one strategy released, nothing to hold its residual against", () => {
  // H200, a PyTorch process worker (results/examples/h200-layers/fragmentation): persistent
  // leaks; scoped, the only strategy that released, keeps ~100 MiB (CUDA context, kernels).
  const run = () => evidenceOf("h200-layers/fragmentation").runs[0]!;

  it("recommends the clean strategy and says its residual was held to no limit, and why", () => {
    const r = run();
    const scoped = r.strategies.find((s) => s.strategy === "scoped")!;
    expect(scoped.residual!.afterReleaseBytes! / MiB).toBeGreaterThan(50);
    const rec = recommend(r);
    expect(rec.strategy).toBe("scoped");
    expect(rec.excluded).toEqual([expect.objectContaining({ strategy: "persistent", code: "leak" })]);
    expect(rec.memory).toMatchObject({
      residualGated: false,
      residualUngated: "one-release",
      residualAfter: "release",
    });
    const words = recommendationWords(r, rec, { terse: false }).join(" ");
    expect(words).toMatch(/not held to a limit: it is the only strategy that released/);
  });

  it("an explicit gate.maxResidualMiB still excludes it", () => {
    const r = run();
    r.gate.maxResidualMiB = 64;
    const rec = recommend(r);
    expect(rec.strategy).toBeUndefined();
    expect(rec.excluded).toContainEqual(
      expect.objectContaining({ strategy: "scoped", code: "residual", limitMiB: 64 }),
    );
  });
});
