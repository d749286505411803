/**
 * examples/layers: the three memory-layer scenarios are valid process scenarios, name a
 * worker that exists and compiles, report the layer figures themselves, and bound the
 * confirmation run (the fragmentation worker's cache grows superlinearly).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { scenarioSchema, scenarioShape } from "../../src/scenarios/schema.js";
import { REPO_ROOT } from "../engines/process-fixtures.js";

const CASES = ["retained-tensors", "raw-cudamalloc", "fragmentation"];

describe("examples/layers", () => {
  for (const name of CASES) {
    it(`${name}.yaml runs persistent and scoped on a worker that reports its own layer figures`, () => {
      const abs = path.join(REPO_ROOT, "examples", "layers", `${name}.yaml`);
      const result = scenarioSchema
        .extend({ model: scenarioShape.model.optional() })
        .safeParse(parse(readFileSync(abs, "utf8")));
      expect(result.success, result.success ? "" : JSON.stringify(result.error.issues)).toBe(true);
      if (!result.success) return;
      const s = result.data;
      expect(s.engine).toBe("process");
      expect(s.strategies).toEqual(expect.arrayContaining(["persistent", "scoped"]));
      const confirm = s.run.confirm;
      expect(confirm !== false && confirm.calls !== undefined && confirm.calls <= 50).toBe(true);
      const script = path.join(path.dirname(abs), s.process!.command[1]!);
      const source = readFileSync(script, "utf8");
      expect(source).toContain("engine_stats = False");
      expect(source).toContain("layer_stats(");
      execFileSync("python3", ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", script]);
    });
  }

  it("the fragmentation run stays well inside one GPU's memory, confirmation included", () => {
    const raw = parse(readFileSync(path.join(REPO_ROOT, "examples/layers/fragmentation.yaml"), "utf8")) as {
      run: { warmup: number; iterations: number; confirm: { calls: number } };
    };
    const calls = raw.run.warmup + raw.run.iterations + raw.run.confirm.calls;
    // Call k takes a fresh segment of 10 + 2k MiB (fragmentation_worker.py); all stay cached.
    const cachedMiB = 10 * calls + calls * (calls - 1);
    expect(cachedMiB).toBeLessThan(60 * 1024);
  });
});
