/**
 * The libtorch engine through the real addon on a GPU (`npm run test:gpu`; needs the addon
 * built with Torch_DIR set, and torch + torchvision to export the model once): load and
 * versions, the precision refusal, persistent's plateau on random batch sizes, scoped's
 * floor on replayed shapes, the planted leak's exact growth, and OOM mapping.
 * Figures from an H100 run: results/examples/torch-h100/README.md.
 */
import { describe, expect, it } from "vitest";
import type { NativeCallError } from "../../src/native/AddonTypes.js";
import { MiB, batchShape, gpuTestsEnabled, randomBatches, runAndCollect, torchEngine } from "./torch-helpers.js";

describe.runIf(gpuTestsEnabled)("libtorch engine on a GPU", () => {
  it("loads the TorchScript module and reports libtorch and CUDA versions", async () => {
    const engine = torchEngine();
    await engine.load();
    const v = engine.versions();
    expect(v.libtorch).toMatch(/^\d+\.\d+/);
    expect(v.cuda).toMatch(/^\d+\.\d+$/);
    const stats = engine.memoryStats();
    // fp16 ResNet-50 weights: 25.6 M parameters × 2 bytes ≈ 49 MiB, through the caching allocator.
    expect(stats.torchAllocatedBytes).toBeGreaterThan(40 * MiB);
    expect(stats.torchReservedBytes).toBeGreaterThanOrEqual(stats.torchAllocatedBytes!);
  });

  it("refuses int8 at load with a message naming the supported precisions", async () => {
    const err = (await torchEngine({ precision: "int8" })
      .load()
      .catch((e: unknown) => e)) as NativeCallError;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/precision int8 is not supported.*fp32, fp16 or bf16/);
  });

  it("persistent on random batch sizes: reserved reaches a plateau and allocated does not grow", async () => {
    const engine = torchEngine();
    await engine.load();
    engine.begin("persistent");
    // The largest batch first, then random ones: everything the context and the cache need
    // exists after the warm-up (on the H100: 406 MiB reserved from then on).
    await runAndCollect(engine, [32, ...randomBatches(40, 32, 3)], 0, "torchReservedBytes");
    const reserved = await runAndCollect(engine, randomBatches(150, 32, 4), 41, "torchReservedBytes");
    const allocated = await runAndCollect(engine, randomBatches(100, 32, 5), 191, "torchAllocatedBytes");
    // The caching allocator never shrinks without emptyCache, so last - first is the growth;
    // one large segment (20 MiB) of slack for fragmentation.
    expect(reserved.at(-1)! - reserved[0]!).toBeLessThanOrEqual(20 * MiB);
    // One grow-only input buffer plus the last outputs: allocated stays within a few MiB.
    expect(Math.max(...allocated) - Math.min(...allocated)).toBeLessThan(8 * MiB);
    await engine.finish();
  });

  it("scoped: replaying shapes already seen returns to one reserved floor after every call", async () => {
    // New batch sizes may add to the floor (cuDNN / cuBLAS keep a plan and workspace per shape:
    // 24 MiB at a late new shape on the H200, 2026-12-01), so the experiment first meets every
    // shape once, then replays them in another order: a repeated shape must add nothing.
    const engine = torchEngine();
    await engine.load();
    engine.begin("scoped");
    const shapes = randomBatches(60, 32, 6);
    const first = await runAndCollect(engine, shapes, 0, "torchReservedBytes");
    const replay = await runAndCollect(engine, [...shapes].reverse(), 60, "torchReservedBytes");
    expect(Math.max(...replay) - Math.min(...replay)).toBeLessThanOrEqual(2 * MiB);
    expect(Math.max(...replay)).toBeLessThanOrEqual(Math.max(...first) + 2 * MiB);
    const stats = engine.memoryStats();
    expect(stats.contextsLive).toBe(0);
    expect(stats.contextsCreated).toBe(120);
    await engine.finish();
  });

  it("a planted 4 MiB leak grows torchAllocatedBytes by 4 MiB per call (a lazy library allocation aside)", async () => {
    const engine = torchEngine({ faults: { leakBytesPerIteration: 4 * MiB } });
    await engine.load();
    engine.begin("persistent");
    const fixed = Array.from({ length: 40 }, () => 16);
    await runAndCollect(engine, fixed.slice(0, 5), 0, "torchAllocatedBytes"); // context and input exist
    const allocated = await runAndCollect(engine, fixed, 5, "torchAllocatedBytes");
    const steps = allocated.slice(1).map((a, i) => a - allocated[i]!);
    // Every call adds the planted 4 MiB; a library may allocate lazily once on top (224 KiB at
    // one call on the H200, 2026-12-01), never less and never on most calls.
    for (const step of steps) expect(step).toBeGreaterThanOrEqual(4 * MiB);
    for (const step of steps) expect(step).toBeLessThan(5 * MiB);
    expect(steps.filter((x) => x !== 4 * MiB).length).toBeLessThanOrEqual(2);
    expect(engine.memoryStats().plantedLeakBytes).toBe(45 * 4 * MiB);
    await engine.finish();
  });

  it("maps a CUDA out-of-memory to a rejection of kind oom with the failing call's index", async () => {
    const engine = torchEngine({ faults: { leakBytesPerIteration: 512 * 1024 * MiB } });
    await engine.load();
    engine.begin("persistent");
    const err = (await engine.runCalls([batchShape(1)], 7, () => {}).catch((e: unknown) => e)) as NativeCallError;
    expect(err.kind).toBe("oom");
    expect(err.index).toBe(7);
    expect(err.message).toMatch(/CUDA out of memory/);
  });
});
