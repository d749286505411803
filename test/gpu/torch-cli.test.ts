/**
 * The shipped libtorch scenarios through the real CLI on a GPU (`npm run test:gpu`; the
 * addon built with libtorch): the planted-leak scenario must fail the leak gate (exit 1)
 * with both strategies judged `leak`, and the clean one must pass (exit 0). Iterations are
 * cut down with --iterations to keep the test short; the scenario files are otherwise used
 * as shipped, with `model` pointed at the exported ResNet-50.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resultsIn, runCli } from "../helpers/cli.js";
import { ROOT, gpuTestsEnabled, torchModel } from "./torch-helpers.js";

/** The shipped scenario, copied to a temp folder with its model path made absolute. */
function scenarioCopy(name: string): { dir: string; file: string } {
  const text = readFileSync(join(ROOT, "scenarios", name), "utf8");
  const pointed = text.replace(/^model: .*$/m, `model: ${JSON.stringify(torchModel())}`);
  expect(pointed).not.toBe(text);
  const dir = mkdtempSync(join(tmpdir(), "vramgate-torch-"));
  const file = join(dir, name);
  writeFileSync(file, pointed);
  return { dir, file };
}

describe.runIf(gpuTestsEnabled)("libtorch scenarios through the CLI", () => {
  it("resnet50-torch-leak: both strategies leak ~4 MiB per call and the gate fails (exit 1)", async () => {
    const { dir, file } = scenarioCopy("resnet50-torch-leak.yaml");
    const out = join(dir, "results");
    const r = await runCli(["bench", file, "--out", out, "--iterations", "100", "--quiet"]);
    expect(r.code, r.stderr).toBe(1);
    const [results] = resultsIn(out);
    const strategies = results!.runs[0]!.strategies;
    expect(strategies.map((s) => s.strategy).sort()).toEqual(["persistent", "scoped"]);
    const failed = (results!.gates ?? []).filter((g) => g.status === "fail");
    expect(failed.map((g) => `${g.gate}:${g.strategy}`).sort()).toEqual(["leak:persistent", "leak:scoped"]);
  }, 300_000);

  it("resnet50-torch: four strategies complete and the leak gate holds (exit 0)", async () => {
    const { dir, file } = scenarioCopy("resnet50-torch.yaml");
    const out = join(dir, "results");
    const r = await runCli(["bench", file, "--out", out, "--iterations", "200", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const [results] = resultsIn(out);
    const strategies = results!.runs[0]!.strategies;
    expect(strategies.map((s) => s.state)).toEqual(["completed", "completed", "completed", "completed"]);
  }, 300_000);
});
