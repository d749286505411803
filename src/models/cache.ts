/**
 * Generated models on disk: models/<arch>-s<seed>[-fp16].onnx, written atomically (tmp +
 * rename, so concurrent strategy children never read a half-written file) and verified by
 * a sidecar "<file>.sha256" that records the generator version and the hash of what that
 * version wrote. A file is regenerated when it is missing, when the generator changed, or
 * when its bytes no longer match the recorded hash.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { GENERATOR_VERSION, planResnet, type ResnetName } from "./resnet.js";
import { AtomicFileWriter, ensureFolder, writeFileAtomic } from "../io/atomic-write.js";

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
export async function writeGeneratedModel(
  spec: GeneratedModelSpec,
  path: string,
  opts: { what?: string } = {},
): Promise<{ sha256: string; bytes: number }> {
  const plan = planResnet(spec.arch, { seed: spec.seed, dtype: spec.dtype ?? "float32" });
  const hash = createHash("sha256");
  // Atomic and durable (run/atomic-write.ts): every write's byte count checked, the
  // temporary file removed on any failure, filesystem errors as PathError/DiskError.
  const file = new AtomicFileWriter(path, { what: opts.what ?? "the generated model" });
  try {
    const BATCH_BYTES = 8 << 20;
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flush = (): void => {
      if (batch.length === 0) return;
      file.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch));
      batch = [];
      batchBytes = 0;
    };
    for (const chunk of plan.chunks()) {
      hash.update(chunk);
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= BATCH_BYTES) flush();
    }
    flush();
    if (file.bytes !== plan.byteLength)
      throw new Error(`model size mismatch: planned ${plan.byteLength}, wrote ${file.bytes}`);
    file.commit();
  } catch (err) {
    file.abort();
    throw err;
  }
  return { sha256: hash.digest("hex"), bytes: file.bytes };
}

/** Makes sure the generated model exists under `dir` and is what this generator writes. */
export async function ensureModel(spec: GeneratedModelSpec, dir = "models"): Promise<EnsuredModel> {
  const absDir = resolve(dir);
  ensureFolder(absDir, { what: "the model cache folder" });
  const path = join(absDir, modelFileName(spec));
  const sidecarPath = `${path}.sha256`;

  const sidecar = await readSidecar(sidecarPath);
  if (sidecar && sidecar.generator === GENERATOR_VERSION) {
    const size = await stat(path).then(
      (s) => s.size,
      () => -1,
    );
    if (size === sidecar.bytes && (await fileSha256(path)) === sidecar.sha256) {
      return { path, sha256: sidecar.sha256, generated: true, reused: true };
    }
  }

  const { sha256, bytes } = await writeGeneratedModel(spec, path);
  const record: Sidecar = { generator: GENERATOR_VERSION, sha256, bytes };
  writeFileAtomic(sidecarPath, `${JSON.stringify(record)}\n`, { what: "the model's checksum file" });
  return { path, sha256, generated: true, reused: false };
}
