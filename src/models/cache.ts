/**
 * Generated models on disk: models/<arch>-s<seed>[-fp16].onnx, written atomically (tmp +
 * rename, so concurrent strategy children never read a half-written file) and verified by
 * a sidecar "<file>.sha256" that records the generator version and the hash of what that
 * version wrote. A file is regenerated when it is missing, when the generator changed, or
 * when its bytes no longer match the recorded hash.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ResnetName } from "../scenarios/types.js";
import { GENERATOR_VERSION, planResnet } from "./resnet.js";

export interface GeneratedModelSpec {
  arch: ResnetName;
  seed: number;
  /** Weight precision; float16 keeps float32 I/O (see resnet.ts). Default float32. */
  dtype?: "float32" | "float16";
}

export interface EnsuredModel {
  /** Absolute path of the .onnx file. */
  path: string;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  generated: true;
  /** True when an existing, verified file was reused instead of written. */
  reused: boolean;
}

interface Sidecar {
  generator: string;
  sha256: string;
  bytes: number;
}

/** Hex SHA-256 of a file, streamed (constant memory). */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** File name for a generated model, e.g. resnet50-s0.onnx or resnet18-s7-fp16.onnx. */
export function modelFileName(spec: GeneratedModelSpec): string {
  return `${spec.arch}-s${spec.seed}${spec.dtype === "float16" ? "-fp16" : ""}.onnx`;
}

async function readSidecar(path: string): Promise<Sidecar | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<Sidecar>;
    if (typeof parsed.generator === "string" && typeof parsed.sha256 === "string" && typeof parsed.bytes === "number") {
      return parsed as Sidecar;
    }
  } catch {
    // Missing or unreadable sidecar: the model is regenerated.
  }
  return undefined;
}

/**
 * Streams a generated model to `path` (via a temporary sibling and rename) while hashing
 * it; peak memory is about one weight tensor plus the write batch.
 */
export async function writeGeneratedModel(spec: GeneratedModelSpec, path: string): Promise<{ sha256: string; bytes: number }> {
  const plan = planResnet(spec.arch, { seed: spec.seed, dtype: spec.dtype ?? "float32" });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const hash = createHash("sha256");
  const file = await open(tmp, "w");
  let written = 0;
  try {
    const BATCH_BYTES = 8 << 20;
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await file.writev(batch);
      batch = [];
      batchBytes = 0;
    };
    for (const chunk of plan.chunks()) {
      hash.update(chunk);
      batch.push(chunk);
      batchBytes += chunk.length;
      written += chunk.length;
      if (batchBytes >= BATCH_BYTES) await flush();
    }
    await flush();
    await file.sync();
  } catch (err) {
    await file.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await file.close();
  if (written !== plan.byteLength) throw new Error(`model size mismatch: planned ${plan.byteLength}, wrote ${written}`);
  await rename(tmp, path);
  return { sha256: hash.digest("hex"), bytes: written };
}

/** Makes sure the generated model exists under `dir` and is what this generator writes. */
export async function ensureModel(spec: GeneratedModelSpec, dir = "models"): Promise<EnsuredModel> {
  const absDir = resolve(dir);
  await mkdir(absDir, { recursive: true });
  const path = join(absDir, modelFileName(spec));
  const sidecarPath = `${path}.sha256`;

  const sidecar = await readSidecar(sidecarPath);
  if (sidecar && sidecar.generator === GENERATOR_VERSION) {
    const size = await stat(path).then((s) => s.size, () => -1);
    if (size === sidecar.bytes && (await fileSha256(path)) === sidecar.sha256) {
      return { path, sha256: sidecar.sha256, generated: true, reused: true };
    }
  }

  const { sha256, bytes } = await writeGeneratedModel(spec, path);
  const record: Sidecar = { generator: GENERATOR_VERSION, sha256, bytes };
  const sidecarTmp = `${sidecarPath}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(sidecarTmp, `${JSON.stringify(record)}\n`);
  await rename(sidecarTmp, sidecarPath);
  return { path, sha256, generated: true, reused: false };
}
