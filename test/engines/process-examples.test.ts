/**
 * The process engine's example scenarios (examples/): each is valid against the scenario
 * schema and names a worker script that exists next to it and compiles.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { scenarioSchema, scenarioShape } from "../../src/scenarios/schema.js";
import { REPO_ROOT } from "./process-fixtures.js";

const EXAMPLES = [
  "examples/cpu/worker.yaml",
  "examples/torch/leaky.yaml",
  "examples/torch/fixed.yaml",
  "examples/polygraphy/trt_runner.yaml",
  "examples/polygraphy/onnxrt_runner.yaml",
];

describe("process engine examples", () => {
  for (const file of EXAMPLES) {
    it(`${file} is a valid process scenario whose worker exists and compiles`, () => {
      const abs = path.join(REPO_ROOT, file);
      const raw = parse(readFileSync(abs, "utf8")) as Record<string, unknown>;
      // The worker loads its own model, so only the Polygraphy example names one.
      const result = scenarioSchema.extend({ model: scenarioShape.model.optional() }).safeParse(raw);
      expect(result.success, result.success ? "" : JSON.stringify(result.error.issues)).toBe(true);
      if (!result.success) return;
      const s = result.data;
      expect(s.engine).toBe("process");
      expect(s.strategies).toEqual(["persistent", "teardown", "scoped"]);
      expect(s.baseline).toBe("scoped");
      const [interpreter, script] = s.process!.command;
      expect(interpreter).toBe("python3");
      const scriptPath = path.join(path.dirname(abs), script!);
      expect(existsSync(scriptPath)).toBe(true);
      execFileSync("python3", ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", scriptPath]);
    });
  }

  it("the torch examples run long enough for the leak to be obvious", () => {
    for (const file of ["examples/torch/leaky.yaml", "examples/torch/fixed.yaml"]) {
      const raw = parse(readFileSync(path.join(REPO_ROOT, file), "utf8")) as { run: { iterations: number } };
      expect(raw.run.iterations).toBeGreaterThanOrEqual(300);
    }
  });
});
