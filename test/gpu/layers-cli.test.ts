/**
 * Memory layers and allocation stacks through the real CLI on a GPU (`npm run test:gpu`;
 * PyTorch and CuPy on the machine): the process workers of examples/layers leak in one layer
 * each, and vramgate must say which — and, for retained tensors, name the line that allocated
 * them. Iterations are cut down to keep the test short; the scenarios are used as shipped.
 * Evidence with the full runs: results/examples/h200-layers/.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resultsIn, runCli } from "../helpers/cli.js";
import { ROOT, gpuTestsEnabled } from "./torch-helpers.js";

async function bench(name: string) {
  const out = join(mkdtempSync(join(tmpdir(), "vramgate-layers-")), "results");
  const file = join(ROOT, "examples/layers", `${name}.yaml`);
  const r = await runCli(["bench", file, "--out", out, "--iterations", "120", "--quiet"]);
  expect(r.code, r.stderr).toBe(1); // the leak gate fails on persistent
  const [results] = resultsIn(out);
  const by = (s: string) => results!.runs[0]!.strategies.find((x) => x.strategy === s)!;
  return { persistent: by("persistent"), scoped: by("scoped") };
}

describe.runIf(gpuTestsEnabled)("memory layers through the CLI", () => {
  it("retained tensors: growth lives in the tensors, and the retaining line is named", async () => {
    const { persistent, scoped } = await bench("retained-tensors");
    expect(persistent.analysis!.layers!.where).toEqual(["tensors"]);
    expect(scoped.analysis!.layers!.where).toEqual([]);
    const worker = readFileSync(join(ROOT, "examples/layers/retained_tensors_worker.py"), "utf8").split("\n");
    const line = worker.findIndex((l) => l.includes("self.kept.append(out.clone())")) + 1;
    const sites = persistent.allocationSites as { sites?: Array<{ file: string; line: number; bytes: number }> };
    expect(sites.sites?.[0]).toMatchObject({ line });
    expect(sites.sites![0]!.file.endsWith("retained_tensors_worker.py")).toBe(true);
  }, 300_000);

  it("raw cudaMalloc: growth lives outside the allocator, and reserved disagrees with the process total", async () => {
    const { persistent, scoped } = await bench("raw-cudamalloc");
    expect(persistent.analysis!.layers!.where).toEqual(["outside-allocator"]);
    expect(scoped.analysis!.layers!.where).toEqual([]);
    const checks = persistent.analysis!.sources ?? [];
    expect(checks.some((c) => c.signals.includes("torchReservedBytes") && !c.agree)).toBe(true);
  }, 300_000);
});
