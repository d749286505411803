/**
 * Execution-provider detection for onnxruntime-node. The only reliable test is to create
 * a session with the provider alone: the npm package ships CPU binaries for every
 * platform, and the CUDA/TensorRT provider libraries arrive only through its postinstall
 * download (or a custom build). A one-node model keeps the probe to milliseconds and
 * leaves the real model's memory untouched.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DataType } from "../../models/onnx-proto.js";
import { concatChunks, planModel } from "../../models/onnx-writer.js";

export type OrtModule = typeof import("onnxruntime-node");
export type GpuProvider = "cuda" | "tensorrt";

let probeModel: Uint8Array | undefined;

/** A valid model with one Relu on a float[1] input: enough for a session to be created. */
function tinyModel(): Uint8Array {
  probeModel ??= concatChunks(
    planModel(
      { irVersion: 8, opsetVersion: 17, producerName: "vramgate", producerVersion: "probe" },
      {
        name: "probe",
        nodes: [{ opType: "Relu", name: "relu", input: ["x"], output: ["y"] }],
        initializers: [],
        inputs: [{ name: "x", type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 1 }] } } } }],
        outputs: [{ name: "y", type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 1 }] } } } }],
      },
    ),
  );
  return probeModel;
}

/** Folder holding onnxruntime-node's native libraries for this platform, if found. */
function ortBinaryDir(): string | undefined {
  try {
    const main = createRequire(import.meta.url).resolve("onnxruntime-node");
    const dir = join(dirname(main), "..", "bin", "napi-v6", process.platform, process.arch);
    return existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

const PROVIDER_LIBS: Record<GpuProvider, string> = {
  cuda: "libonnxruntime_providers_cuda.so",
  tensorrt: "libonnxruntime_providers_tensorrt.so",
};

/**
 * Why `provider` cannot run in this onnxruntime-node build, known from the files alone
 * (no import of onnxruntime-node, no session: milliseconds), or null when its library is
 * there or the platform keeps it elsewhere (then only a session can tell).
 */
export function missingProviderLibrary(provider: GpuProvider): string | null {
  const dir = ortBinaryDir();
  const lib = PROVIDER_LIBS[provider];
  if (dir && process.platform === "linux" && !existsSync(join(dir, lib))) {
    return `${lib} is not in ${dir}, so this onnxruntime-node build is CPU-only`;
  }
  return null;
}

/**
 * Returns null when a session with `provider` alone can be created, else what failed.
 * ORT loads provider libraries from the folder of its own library; when the provider's
 * library is not there the build is CPU-only and ORT is not asked (it would print an
 * error log of its own before throwing).
 */
export async function probeProvider(ort: OrtModule, provider: GpuProvider, deviceId: number): Promise<string | null> {
  const missing = missingProviderLibrary(provider);
  if (missing !== null) return missing;
  try {
    const session = await ort.InferenceSession.create(tinyModel(), {
      executionProviders: [{ name: provider, deviceId }],
      logSeverityLevel: 3,
    });
    await session.release();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
