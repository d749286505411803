/**
 * The GPU sweep scenarios (examples/sweep/, run by run-on-gpu.sh) parse and expand to the
 * runs the script's time budget assumes: libtorch 2 precisions × cudaGraph × expandable
 * segments = 8 runs of 2 strategies, the process worker 2 runs of 2, the GPT generate loop 4 runs
 * (dynamic vs static profile × attention backend) of 2, each sweep then its
 * reference again (the drift between runs). Parsed from a copy
 * beside a stand-in model file (the real one is exported on the GPU machine).
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sweepEstimates } from "../../src/scenarios/estimate.js";
import { expandScenario } from "../../src/scenarios/expand.js";
import { loadScenario } from "../../src/scenarios/parse.js";

function copy(): string {
  const root = mkdtempSync(join(tmpdir(), "vramgate-sweep-ex-"));
  cpSync("examples/sweep", join(root, "examples/sweep"), { recursive: true });
  cpSync("examples/torch", join(root, "examples/torch"), { recursive: true });
  cpSync("examples/gpt", join(root, "examples/gpt"), { recursive: true });
  mkdirSync(join(root, "models"));
  writeFileSync(join(root, "models/resnet50.pt"), "stand-in");
  return root;
}

describe("examples/sweep scenarios", () => {
  it("libtorch: precision × cudaGraph × PYTORCH_CUDA_ALLOC_CONF, applied to each run's section", async () => {
    const s = await loadScenario(join(copy(), "examples/sweep/libtorch-resnet50.yaml"));
    const runs = expandScenario(s);
    expect(runs).toHaveLength(9);
    expect(runs[8]!.key).toBe(`${runs[0]!.key}#repeat`);
    expect(runs[8]!.scenario.libtorch).toEqual(runs[0]!.scenario.libtorch);
    expect(new Set(runs.map((r) => r.precision))).toEqual(new Set(["fp32", "fp16"]));
    for (const r of runs) {
      const lt = r.scenario.libtorch;
      expect(r.key).toBe(
        `resnet50-sweep/cycle/${r.precision}/cudaGraph=${lt.cudaGraph},PYTORCH_CUDA_ALLOC_CONF=${lt.env.PYTORCH_CUDA_ALLOC_CONF}${r.repeatOf ? "#repeat" : ""}`,
      );
    }
    const [e] = sweepEstimates([s]);
    expect(e).toMatchObject({ combinations: 8, runs: 9, repeats: 1, processes: 18 });
    expect(e!.maxSeconds).toBe(9 * 30);
  });

  it("process: PYTORCH_CUDA_ALLOC_CONF in the worker's environment, cwd resolved", async () => {
    const root = copy();
    const s = await loadScenario(join(root, "examples/sweep/process-alloc-conf.yaml"));
    const runs = expandScenario(s);
    expect(runs.map((r) => r.scenario.process!.env.PYTORCH_CUDA_ALLOC_CONF)).toEqual([
      "expandable_segments:False",
      "expandable_segments:True",
      "expandable_segments:False",
    ]);
    for (const r of runs) expect(r.scenario.process!.cwd).toBe(join(root, "examples/torch"));
  });

  it("gpt: dynamic vs static profile × GPT_SDPA on the generate loop, the static variant a single shape", async () => {
    const root = copy();
    const s = await loadScenario(join(root, "examples/sweep/gpt-profile.yaml"));
    const runs = expandScenario(s);
    expect(runs.map((r) => r.key)).toEqual([
      "gpt-sweep/random/fp16/GPT_SDPA=default,profile=default",
      "gpt-sweep/random/fp16/GPT_SDPA=default,profile=static",
      "gpt-sweep/random/fp16/GPT_SDPA=math,profile=default",
      "gpt-sweep/random/fp16/GPT_SDPA=math,profile=static",
      "gpt-sweep/random/fp16/GPT_SDPA=default,profile=default#repeat",
    ]);
    for (const r of runs) expect(r.scenario.process!.cwd).toBe(join(root, "examples/gpt"));
    const ids = (i: number) => runs[i]!.scenario.profile.input_ids!;
    expect([ids(0).min, ids(0).max]).toEqual([
      [1, 8],
      [8, 256],
    ]);
    expect([ids(1).min, ids(1).opt, ids(1).max]).toEqual([
      [4, 128],
      [4, 128],
      [4, 128],
    ]);
  });
});
