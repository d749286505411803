import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureModel, fileSha256, modelFileName } from "../../src/models/cache.js";
import { buildResnet, GENERATOR_VERSION } from "../../src/models/resnet.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vramgate-models-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ensureModel", () => {
  it("writes the generator's bytes, a sidecar, and reuses a verified file", async () => {
    const first = await ensureModel({ arch: "resnet18", seed: 11 }, dir);
    expect(first).toMatchObject({ path: join(dir, "resnet18-s11.onnx"), generated: true, reused: false });
    const bytes = await readFile(first.path);
    const expected = buildResnet("resnet18", { seed: 11 });
    expect(bytes.equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))).toBe(true);
    expect(first.sha256).toBe(createHash("sha256").update(expected).digest("hex"));
    expect(await fileSha256(first.path)).toBe(first.sha256);

    const sidecar = JSON.parse(await readFile(`${first.path}.sha256`, "utf8"));
    expect(sidecar).toEqual({ generator: GENERATOR_VERSION, sha256: first.sha256, bytes: expected.length });

    const mtimeMs = (await stat(first.path)).mtimeMs;
    const second = await ensureModel({ arch: "resnet18", seed: 11 }, dir);
    expect(second).toMatchObject({ path: first.path, sha256: first.sha256, reused: true });
    expect((await stat(first.path)).mtimeMs).toBe(mtimeMs);
    // No temporary files are left behind.
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("regenerates a corrupted file, and one written by another generator version", async () => {
    const spec = { arch: "resnet18" as const, seed: 12 };
    const good = await ensureModel(spec, dir);
    const bytes = await readFile(good.path);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    await writeFile(good.path, bytes);
    const repaired = await ensureModel(spec, dir);
    expect(repaired.reused).toBe(false);
    expect(await fileSha256(repaired.path)).toBe(good.sha256);

    await writeFile(
      `${good.path}.sha256`,
      JSON.stringify({ generator: "older", sha256: good.sha256, bytes: bytes.length }),
    );
    expect((await ensureModel(spec, dir)).reused).toBe(false);
    expect((await ensureModel(spec, dir)).reused).toBe(true);
  });

  it("keeps fp16 models apart and is safe under concurrent callers", async () => {
    expect(modelFileName({ arch: "resnet50", seed: 0, dtype: "float16" })).toBe("resnet50-s0-fp16.onnx");
    const results = await Promise.all(
      [1, 2, 3].map(() => ensureModel({ arch: "resnet18", seed: 13, dtype: "float16" }, dir)),
    );
    const hashes = new Set(results.map((r) => r.sha256));
    expect(hashes.size).toBe(1);
    expect(await fileSha256(results[0]!.path)).toBe(results[0]!.sha256);
    expect(results[0]!.path.endsWith("resnet18-s13-fp16.onnx")).toBe(true);
  });
});
