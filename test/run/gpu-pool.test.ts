/**
 * `--gpus`: the flag against the GPUs NVML lists, and the queue that gives each run one
 * GPU (fake runners that finish when the test says so: no timing).
 */
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { parseGpus, runQueue, type VisibleGpu } from "../../src/run/gpu-pool.js";

const four: VisibleGpu[] = [0, 1, 2, 3].map((index) => ({ index, uuid: `GPU-${index}`, name: "NVIDIA H200" }));

function inputError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error("expected an InputError");
}

describe("parseGpus", () => {
  it("takes indices in the order given, or all", () => {
    expect(parseGpus("2, 0", four).map((g) => g.uuid)).toEqual(["GPU-2", "GPU-0"]);
    expect(parseGpus("all", four)).toEqual(four);
    expect(parseGpus("3", four)).toEqual([four[3]]);
  });

  it("refuses an unknown index, naming the indices there are", () => {
    expect(inputError(() => parseGpus("0,4", four))).toMatch(
      /--gpus 0,4: .*\(0, 1, 2, 3\), found 4: this machine has 4 GPUs/,
    );
  });

  it("refuses a duplicate", () => {
    expect(inputError(() => parseGpus("1,2,1", four))).toMatch(/GPU 1 is named twice/);
  });

  it("refuses what is not a list of indices", () => {
    for (const bad of ["", "0,,1", "-1", "gpu0", "0;1", "1.5"])
      expect(inputError(() => parseGpus(bad, four))).toMatch(/expected "all" or GPU indices separated by commas/);
  });

  it("says why when the machine shows no GPU, for all and for an index", () => {
    const why = "libnvidia-ml.so.1 not found";
    for (const text of ["all", "0"]) {
      const m = inputError(() => parseGpus(text, [], why));
      expect(m).toContain(`--gpus ${text}: this machine shows no GPU to vramgate (${why})`);
      expect(m).toContain("Run without --gpus");
    }
  });
});

/** A runner whose jobs finish only when release(k) is called; records what ran where. */
function gatedRunner() {
  const started: Array<{ item: string; gpu: number }> = [];
  const gates = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  let running = 0;
  let maxRunning = 0;
  const onGpu = new Map<number, string>();
  const work = (item: string, gpu: VisibleGpu) =>
    new Promise<string>((resolve, reject) => {
      // Never two items on one GPU at once.
      expect(onGpu.has(gpu.index)).toBe(false);
      onGpu.set(gpu.index, item);
      started.push({ item, gpu: gpu.index });
      running++;
      maxRunning = Math.max(maxRunning, running);
      const done = () => {
        running--;
        onGpu.delete(gpu.index);
      };
      gates.set(item, {
        resolve: () => {
          done();
          resolve(`${item}@${gpu.index}`);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
    });
  const flush = () => new Promise<void>((r) => setImmediate(r));
  return { started, gates, work, flush, maxRunning: () => maxRunning };
}

describe("runQueue", () => {
  it("runs one item per GPU; the rest wait for the first GPU that frees up", async () => {
    const g = gatedRunner();
    const items = ["a", "b", "c", "d", "e"];
    const done = runQueue(items, four.slice(0, 2), g.work);
    await g.flush();
    expect(g.started).toEqual([
      { item: "a", gpu: 0 },
      { item: "b", gpu: 1 },
    ]);
    g.gates.get("b")!.resolve();
    await g.flush();
    expect(g.started[2]).toEqual({ item: "c", gpu: 1 });
    g.gates.get("a")!.resolve();
    await g.flush();
    expect(g.started[3]).toEqual({ item: "d", gpu: 0 });
    g.gates.get("d")!.resolve();
    await g.flush();
    expect(g.started[4]).toEqual({ item: "e", gpu: 0 });
    g.gates.get("e")!.resolve();
    g.gates.get("c")!.resolve();
    const out = await done;
    // Results in the items' order, whatever order they finished in.
    expect(out).toEqual([
      { ok: true, value: "a@0" },
      { ok: true, value: "b@1" },
      { ok: true, value: "c@1" },
      { ok: true, value: "d@0" },
      { ok: true, value: "e@0" },
    ]);
    expect(g.maxRunning()).toBe(2);
  });

  it("a failing item is recorded and the others still run", async () => {
    const g = gatedRunner();
    const done = runQueue(["a", "b", "c"], four.slice(0, 1), g.work);
    await g.flush();
    g.gates.get("a")!.reject(new Error("model build failed"));
    await g.flush();
    g.gates.get("b")!.resolve();
    await g.flush();
    g.gates.get("c")!.resolve();
    const out = await done;
    expect(out[0]).toMatchObject({ ok: false });
    expect((out[0] as { error: Error }).error.message).toBe("model build failed");
    expect(out.slice(1)).toEqual([
      { ok: true, value: "b@0" },
      { ok: true, value: "c@0" },
    ]);
  });

  it("with one GPU, runs go one after another (the one-GPU machine queues)", async () => {
    const g = gatedRunner();
    const done = runQueue(["a", "b", "c"], four.slice(0, 1), g.work);
    for (const item of ["a", "b", "c"]) {
      await g.flush();
      expect(g.started.at(-1)).toEqual({ item, gpu: 0 });
      g.gates.get(item)!.resolve();
    }
    await done;
    expect(g.maxRunning()).toBe(1);
  });

  it("stop() leaves waiting items unstarted (Ctrl-C)", async () => {
    const g = gatedRunner();
    let stopped = false;
    const done = runQueue(["a", "b", "c"], four.slice(0, 1), g.work, () => stopped);
    await g.flush();
    stopped = true;
    g.gates.get("a")!.resolve();
    const out = await done;
    expect(out).toEqual([{ ok: true, value: "a@0" }, undefined, undefined]);
    expect(g.started.map((s) => s.item)).toEqual(["a"]);
  });

  it("more GPUs than items: each item starts at once on its own GPU", async () => {
    const g = gatedRunner();
    const done = runQueue(["a", "b"], four, g.work);
    await g.flush();
    expect(g.started).toEqual([
      { item: "a", gpu: 0 },
      { item: "b", gpu: 1 },
    ]);
    g.gates.get("a")!.resolve();
    g.gates.get("b")!.resolve();
    expect((await done).every((o) => o?.ok)).toBe(true);
  });
});
