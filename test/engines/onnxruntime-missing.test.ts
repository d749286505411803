/**
 * Without onnxruntime-node (the GPU machine's package set), the engine module must still
 * import and load() must refuse with EngineUnavailableError. Proven in a child process
 * whose module resolution cannot find the package: a copy of src/ next to a node_modules
 * that holds only protobufjs.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildResnet } from "../../src/models/resnet.js";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../..");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vramgate-no-ort-"));
  await cp(join(repo, "src"), join(dir, "src"), { recursive: true });
  await mkdir(join(dir, "node_modules"));
  await symlink(join(repo, "node_modules", "protobufjs"), join(dir, "node_modules", "protobufjs"), "dir");
  await writeFile(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  await writeFile(join(dir, "model.onnx"), buildResnet("resnet18", { seed: 0, numClasses: 10 }));
  await writeFile(
    join(dir, "probe.ts"),
    `import { createOnnxRuntimeEngine } from "./src/engines/onnxruntime/engine.js";
const init = { strategy: "scoped", precision: "fp32", modelPath: ${JSON.stringify(join(dir, "model.onnx"))}, inputs: { input: { min: [1, 3, 32, 32], opt: [1, 3, 32, 32], max: [1, 3, 32, 32], dtype: "float32" } }, seed: 0, device: 0, section: { executionProvider: "cpu" }, source: { name: "probe", file: "probe.yaml" }, watchdogS: 60 };
const e = createOnnxRuntimeEngine(init as never);
console.log(JSON.stringify(e.versions()));
try { await e.load(); console.log("LOADED"); } catch (err) { console.log((err as Error).name + ": " + (err as Error).message); }
`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("onnxruntime engine without onnxruntime-node", () => {
  it("imports, reports no version, and refuses load() with a clear message", async () => {
    const tsx = pathToFileURL(join(repo, "node_modules", "tsx", "dist", "loader.mjs")).href;
    const { stdout } = await run(process.execPath, ["--import", tsx, "probe.ts"], { cwd: dir });
    const [versions, ...rest] = stdout.trim().split("\n");
    expect(JSON.parse(versions!)).toEqual({});
    const message = rest.join("\n");
    expect(message).toMatch(/^EngineUnavailableError: onnxruntime: the onnxruntime-node package could not be loaded/);
    expect(message).toContain("Possible solutions:");
    expect(message).toContain("npm install onnxruntime-node@1.30.0");
  });
});
