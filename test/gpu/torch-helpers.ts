/**
 * Shared set-up of the libtorch GPU tests: the TorchScript ResNet-50 they run (exported
 * once per machine with scripts/export-torchscript.py, or VRAMGATE_TORCH_MODEL), and a
 * NativeEngine on it.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { addonStatus, loadAddon } from "../../src/native/binding.js";
import type { AddonNativeEngine, NativeEngineConfig, NativeMarkBatch } from "../../src/native/AddonTypes.js";

export const ROOT = resolve(import.meta.dirname, "../..");
export const MiB = 1024 * 1024;
export const gpuTestsEnabled = process.env.VRAMGATE_GPU_TESTS === "1";

/** The model file: VRAMGATE_TORCH_MODEL, else models/resnet50.pt, else exported to the temp folder. */
export function torchModel(): string {
  const given = process.env.VRAMGATE_TORCH_MODEL;
  if (given) return given;
  const inRepo = join(ROOT, "models", "resnet50.pt");
  if (existsSync(inRepo)) return inRepo;
  const out = join(tmpdir(), "vramgate-resnet50.pt");
  if (existsSync(out)) return out;
  const r = spawnSync("python3", [join(ROOT, "scripts", "export-torchscript.py"), out], {
    encoding: "utf8",
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`exporting the test model failed (needs torch + torchvision): ${r.stderr}`);
  return out;
}

/** A libtorch NativeEngine on ResNet-50 with the profile [1..32, 3, 224, 224]; throws when libtorch is not built in. */
export function torchEngine(config: Partial<NativeEngineConfig> = {}): AddonNativeEngine {
  const addon = loadAddon();
  if (!addon) throw new Error(`the native addon did not load: ${addonStatus().reason}`);
  return new addon.NativeEngine("libtorch", {
    modelPath: torchModel(),
    precision: "fp16",
    device: 0,
    profile: [
      { name: "input", min: [1, 3, 224, 224], opt: [16, 3, 224, 224], max: [32, 3, 224, 224], dtype: "float32" },
    ],
    ...config,
  });
}

export const batchShape = (batch: number) => ({ input: [batch, 3, 224, 224] });

/** Seeded batch sizes in 1..max (mulberry32), so every run feeds the same sequence. */
export function randomBatches(n: number, max: number, seed: number): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push(1 + Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * max));
  }
  return out;
}

/** Runs the batches and returns one value of `stat` per call, in call order. */
export async function runAndCollect(
  engine: AddonNativeEngine,
  batches: number[],
  firstIndex: number,
  stat: string,
): Promise<number[]> {
  const values: number[] = [];
  await engine.runCalls(batches.map(batchShape), firstIndex, (b: NativeMarkBatch) => {
    const col = b.stats[stat];
    if (!col) throw new Error(`marks carry no ${stat}; they carry ${Object.keys(b.stats).join(", ")}`);
    values.push(...col);
  });
  return values;
}
