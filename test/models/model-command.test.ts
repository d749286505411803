import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yargs from "yargs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { command } from "../../src/cli/model.js";
import { InputError } from "../../src/errors.js";
import { buildResnet } from "../../src/models/resnet.js";
import { inspectOnnx } from "../../src/models/onnx-inspect.js";
import { DataType } from "../../src/models/onnx-proto.js";

let dir: string;
let cwd: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vramgate-model-cmd-"));
  cwd = process.cwd();
});
afterAll(async () => {
  process.chdir(cwd);
  process.exitCode = 0;
  await rm(dir, { recursive: true, force: true });
});

async function runCli(args: string[]): Promise<void> {
  await yargs(args)
    .command(command)
    .strict()
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    })
    .parseAsync();
}

describe("vramgate model", () => {
  it("--out writes exactly the generator's bytes", async () => {
    const out = join(dir, "sub", "r18.onnx");
    await runCli(["model", "resnet18", "--seed", "9", "--out", out]);
    expect(process.exitCode).toBe(0);
    const written = await readFile(out);
    expect(Buffer.compare(written, Buffer.from(buildResnet("resnet18", { seed: 9 })))).toBe(0);
  });

  it("without --out fills the models/ cache; --fp16 writes float16 weights", async () => {
    process.chdir(dir);
    try {
      await runCli(["model", "resnet18", "--seed", "2", "--fp16"]);
    } finally {
      process.chdir(cwd);
    }
    const bytes = await readFile(join(dir, "models", "resnet18-s2-fp16.onnx"));
    expect(inspectOnnx(bytes).initializerTypes.get(DataType.FLOAT16)).toBeGreaterThan(0);
  });

  it("rejects an unknown architecture and a bad seed with InputError", async () => {
    await expect(runCli(["model", "resnet99"])).rejects.toThrow(InputError);
    await expect(runCli(["model", "resnet99"])).rejects.toThrow(
      /one of resnet18, resnet34, resnet50, found "resnet99"/,
    );
    await expect(runCli(["model", "resnet18", "--seed", "-3"])).rejects.toThrow(/--seed to be an integer/);
  });
});
