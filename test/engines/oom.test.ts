/**
 * One out-of-memory rule per language, one set of cases: test/fixtures/oom-cases.json holds
 * messages from CUDA, cuDNN, cuBLAS, PyTorch, ONNX Runtime, TensorRT and std::bad_alloc, and
 * near-misses that are not OOM. The TypeScript rule (src/engines/oom.ts) is checked here, the
 * C++ rule (native/common/oom.cc) is built with g++ and fed the same messages, and the Python
 * rule (python/vramgate_oom.py) is checked by python/tests/test_oom.py.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isOutOfMemoryMessage } from "../../src/engines/oom.js";
import { mapOrtError } from "../../src/engines/onnxruntime/engine.js";
import { OutOfMemoryError } from "../../src/errors.js";

interface OomCase {
  message: string;
  oom: boolean;
  source: string;
}

const root = join(import.meta.dirname, "..", "..");
const cases = (JSON.parse(readFileSync(join(root, "test/fixtures/oom-cases.json"), "utf8")) as { cases: OomCase[] })
  .cases;
const gxx = spawnSync("g++", ["--version"], { encoding: "utf8" });
const noGxx = gxx.error !== undefined || gxx.status !== 0;

describe("the shared OOM cases", () => {
  it("hold OOM messages and near-misses, one per line", () => {
    expect(cases.filter((c) => c.oom).length).toBeGreaterThanOrEqual(10);
    expect(cases.filter((c) => !c.oom).length).toBeGreaterThanOrEqual(5);
    for (const c of cases) expect(c.message).not.toMatch(/[\r\n]/); // the C++ check reads lines
  });

  it.each(cases.map((c) => [c.oom ? "OOM" : "not OOM", c.source, c] as const))(
    "TypeScript: %s — %s",
    (_kind, _source, c) => {
      expect(isOutOfMemoryMessage(c.message)).toBe(c.oom);
    },
  );

  it("ONNX Runtime's errors go through the same rule", () => {
    for (const c of cases) {
      expect(mapOrtError(new Error(c.message), "inference") instanceof OutOfMemoryError, c.message).toBe(c.oom);
    }
  });

  describe("C++ (native/common/oom.cc, built with g++)", () => {
    const dir = mkdtempSync(join(tmpdir(), "vramgate-oom-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const title = "classifies every case as the file says";
    it.skipIf(noGxx)(noGxx ? `${title} — SKIPPED: g++ is not installed` : title, () => {
      const exe = join(dir, "oom_cases");
      const cc = spawnSync(
        "g++",
        [
          "-std=c++17",
          "-Wall",
          "-Wextra",
          "-Werror",
          "-I",
          join(root, "native"),
          join(root, "native/common/oom.cc"),
          join(root, "test/native/fixtures/oom_cases.cc"),
          "-o",
          exe,
        ],
        { encoding: "utf8" },
      );
      expect(cc.status, cc.stderr).toBe(0);
      const run = spawnSync(exe, [], { input: `${cases.map((c) => c.message).join("\n")}\n`, encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      const answers = run.stdout.trimEnd().split("\n");
      expect(answers).toHaveLength(cases.length);
      const wrong = cases.filter((c, i) => (answers[i] === "1") !== c.oom).map((c) => c.message);
      expect(wrong).toEqual([]);
    });
  });
});
