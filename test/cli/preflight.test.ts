/**
 * Everything knowable before the first strategy child starts is one located error, printed
 * once, with the documented exit code (issue #12 item 5, #13 "fail fast"): a precision the
 * ONNX model cannot run, an execution provider this onnxruntime-node build lacks, a native
 * engine not built into the addon, a worker command that cannot be started. Run through
 * the real CLI; "nothing ran" is shown by the absence of a results file in --out.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { missingProviderLibrary } from "../../src/engines/onnxruntime/probe.js";
import { loadAddon } from "../../src/native/binding.js";
import { runCli, scenarioDir, tinyScenario } from "../helpers/cli.js";

const RUN = "{ warmup: 1, iterations: 4, rounds: 2 }";

/** How many times `needle` occurs in `haystack`. */
function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

async function bench(dir: string, ...files: string[]) {
  const out = join(dir, "out");
  const r = await runCli(["bench", ...files.map((f) => join(dir, f)), "--out", out]);
  const results = existsSync(out) ? readdirSync(out).filter((f) => f.endsWith(".json")) : [];
  return { ...r, results };
}

const TAIL = "Nothing was run (checked before the first strategy started).";

describe("preflight: refused before any strategy child starts", () => {
  it("a precision the ONNX model cannot run is a located error at precision, exit 2, printed once", async () => {
    const dir = scenarioDir({
      "s.yaml": tinyScenario("pf-prec", RUN).replace("precision: fp32", "precision: [fp32, fp16]"),
    });
    const file = join(dir, "s.yaml");
    const r = await bench(dir, "s.yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `vramgate: ${file}:4:19: precision[1]: expected a precision tiny.onnx (float32 weights, no float16) runs on ONNX Runtime: fp32 (ONNX Runtime runs a model in the precision it is stored in), found "fp16". ` +
        "Generate an fp16 model with `vramgate model <arch> --fp16`, convert yours to float16 (onnxconverter-common, keep_io_types=True), or remove fp16 from the list.\n" +
        `${TAIL}\n`,
    );
    expect(count(r.stderr, "precision[1]")).toBe(1);
    expect(r.stdout).toBe("");
    // The fp32 run, valid on its own, did not start either: the whole input is refused.
    expect(r.results).toEqual([]);
  });

  it("a precision the onnxruntime engine never runs is located in a one-value precision too", async () => {
    const dir = scenarioDir({ "s.yaml": tinyScenario("pf-bf16", RUN).replace("precision: fp32", "precision: bf16") });
    const r = await bench(dir, "s.yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `s.yaml:4:12: precision: expected a precision the onnxruntime engine runs: fp32 for tiny.onnx (float32 weights, no float16), found "bf16". For bf16, use engine tensorrt or libtorch.`,
    );
    expect(r.results).toEqual([]);
  });

  it.skipIf(missingProviderLibrary("cuda") === null)(
    "executionProvider: cuda on a CPU-only onnxruntime-node build: located, exit 3 (engine missing), once",
    async () => {
      const dir = scenarioDir({
        "s.yaml": tinyScenario("pf-cuda", RUN).replace(
          "intraOpThreads: 1 }",
          "intraOpThreads: 1, executionProvider: cuda }",
        ),
      });
      const file = join(dir, "s.yaml");
      const r = await bench(dir, "s.yaml");
      expect(r.code).toBe(3);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines[0]).toBe(
        `vramgate: ${file}:13:54: onnxruntime.executionProvider: expected an execution provider this onnxruntime-node build can run, found "cuda", which it cannot.`,
      );
      expect(lines[1]).toMatch(
        /^ {2}libonnxruntime_providers_cuda\.so is not in .+, so this onnxruntime-node build is CPU-only\.$/,
      );
      expect(lines[2]).toContain("ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install");
      expect(lines[3]).toBe(TAIL);
      expect(lines).toHaveLength(4);
      expect(count(r.stderr, "libonnxruntime_providers_cuda.so")).toBe(1);
      expect(r.results).toEqual([]);
    },
  );

  const built = loadAddon()?.probe().engines;
  it.skipIf(built?.libtorch.built !== false)(
    "an engine not built into the addon: one message naming it and how to build it, exit 3",
    async () => {
      const yaml = tinyScenario("pf-torch", RUN)
        .replace("engine: onnxruntime", "engine: libtorch")
        .replace("onnxruntime: { intraOpThreads: 1 }\n", "");
      const dir = scenarioDir({ "s.yaml": yaml });
      const file = join(dir, "s.yaml");
      const r = await bench(dir, "s.yaml");
      expect(r.code).toBe(3);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines[0]).toBe(
        `vramgate: ${file}:3:9: engine: expected an engine built into this vramgate's native addon, found "libtorch", which is not built into it.`,
      );
      expect(lines[1]).toBe(`  When the addon was built: ${built!.libtorch.reason}.`);
      expect(lines[2]).toMatch(
        /^ {2}To build it: VRAMGATE_CMAKE_ARGS="-DTorch_DIR=.*npm run build:native\. `vramgate doctor` lists the engines built here\.$/,
      );
      expect(lines[3]).toBe(TAIL);
      expect(count(r.stderr, "not built into it")).toBe(1);
      expect(r.results).toEqual([]);
    },
  );

  it.skipIf(built?.libtorch.built !== false)(
    "bad input and a missing engine together: all listed in one message, exit 2 (the input needs fixing anywhere)",
    async () => {
      const torch = tinyScenario("pf-torch2", RUN)
        .replace("engine: onnxruntime", "engine: libtorch")
        .replace("onnxruntime: { intraOpThreads: 1 }\n", "");
      const dir = scenarioDir({
        "a.yaml": torch,
        "b.yaml": tinyScenario("pf-prec2", RUN).replace("precision: fp32", "precision: [fp16]"),
      });
      const r = await bench(dir, "a.yaml", "b.yaml");
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `a.yaml:3:9: engine: expected an engine built into this vramgate's native addon, found "libtorch", which is not built into it.`,
      );
      expect(r.stderr).toContain(
        `b.yaml:4:13: precision[0]: expected a precision tiny.onnx (float32 weights, no float16) runs on ONNX Runtime: fp32`,
      );
      expect(count(r.stderr, TAIL)).toBe(1);
      expect(r.results).toEqual([]);
    },
  );

  it("a worker command not on PATH: located at process.command[0], with the near miss, exit 2", async () => {
    const dir = scenarioDir({});
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "myworker"), "#!/bin/sh\nexit 0\n");
    chmodSync(join(bin, "myworker"), 0o755);
    writeFileSync(
      join(dir, "p.yaml"),
      `name: pf-proc
engine: process
process:
  command: [mywokrer, --serve]
  env: { PATH: ${JSON.stringify(bin)} }
profile:
  inputs:
    input: { min: [1, 8], opt: [2, 8], max: [4, 8] }
  sequence: fixed
precision: fp32
strategies: [persistent, teardown, scoped]
run: ${RUN}
`,
    );
    const file = join(dir, "p.yaml");
    const r = await bench(dir, "p.yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      [
        `vramgate: ${file}:4:13: process.command[0]: expected a command that can be started: an executable on the worker's PATH, or a path to one, found "mywokrer", which is not on PATH.`,
        `  PATH of the worker: ${bin} (from process.env).`,
        '  Did you mean "myworker"?',
        "  Install it, give its full path, or set PATH under process.env.",
        TAIL,
        "",
      ].join("\n"),
    );
    expect(r.results).toEqual([]);
  });

  it("a worker path that is not executable, or missing, relative to the scenario's folder: exit 2", async () => {
    const worker = (cmd: string) => `name: pf-proc2
engine: process
process: { command: [${cmd}] }
profile:
  inputs:
    input: { min: [1, 8], opt: [2, 8], max: [4, 8] }
  sequence: fixed
precision: fp32
strategies: [persistent, scoped]
run: ${RUN}
`;
    const dir = scenarioDir({
      "a.yaml": worker("./worker.py"),
      "b.yaml": worker("./missing.py"),
      "worker.py": "print('hi')\n",
    });
    const r = await bench(dir, "a.yaml", "b.yaml");
    expect(r.code).toBe(2);
    // Both scenarios' faults in one message, each once.
    expect(r.stderr).toContain(
      `a.yaml:3:22: process.command[0]: expected a command that can be started: an executable on the worker's PATH, or a path to one, found "./worker.py", a file that is not executable.`,
    );
    expect(r.stderr).toContain(
      `  Make it executable (chmod +x), or name its interpreter first, e.g. command: [python3, "./worker.py"].`,
    );
    expect(r.stderr).toContain(
      `b.yaml:3:22: process.command[0]: expected a command that can be started: an executable on the worker's PATH, or a path to one, found "./missing.py", which does not exist.`,
    );
    expect(r.stderr).toContain(
      `  Looked for ${join(dir, "missing.py")}: a relative path starts from the scenario file's folder.`,
    );
    expect(count(r.stderr, "process.command[0]")).toBe(2);
    expect(count(r.stderr, TAIL)).toBe(1);
    expect(r.results).toEqual([]);
  });
});
