/**
 * `vramgate doctor`: what this machine offers vramgate and why something is missing.
 * Exits 0 whatever it finds (a machine without a GPU is a valid place to run).
 */
import type { CommandModule } from "yargs";
import { addonStatus, loadAddon } from "../native/binding.js";
import { packageVersion } from "../run/environment.js";

interface EngineReport {
  available: boolean;
  version?: string;
  detail: string;
}

async function onnxruntimeReport(): Promise<EngineReport> {
  try {
    const ort = await import("onnxruntime-node");
    const version = (ort as { env?: { versions?: { common?: string } } }).env?.versions?.common;
    const list = (ort as unknown as { listSupportedBackends?: () => Array<{ name: string; bundled: boolean }> }).listSupportedBackends?.();
    const eps = list ? list.map((b) => b.name).join(", ") : "cpu";
    return { available: true, version, detail: `execution providers in this build: ${eps}` };
  } catch (e) {
    return { available: false, detail: `onnxruntime-node not loadable: ${(e as Error).message.split("\n")[0]}` };
  }
}

export async function doctorReport(): Promise<Record<string, unknown>> {
  const addon = loadAddon();
  const status = addonStatus();
  const probe = addon?.probe();
  const engines: Record<string, EngineReport> = {
    onnxruntime: await onnxruntimeReport(),
    libtorch: probe?.engines.libtorch.built
      ? { available: true, version: probe.engines.libtorch.version, detail: "built into the addon" }
      : { available: false, detail: probe ? (probe.engines.libtorch.reason ?? "not built into the addon: set Torch_DIR to libtorch's CMake folder and run `npm run build:native`") : "the native addon did not load" },
    tensorrt: probe?.engines.tensorrt.built
      ? { available: true, version: probe.engines.tensorrt.version, detail: "built into the addon" }
      : { available: false, detail: probe ? (probe.engines.tensorrt.reason ?? "TensorRT not found when the addon was built: set TENSORRT_ROOT and run `npm run build:native`") : "the native addon did not load" },
    process: { available: true, detail: "runs the worker command named in the scenario (python/vramgate_worker.py helps write one)" },
  };
  return {
    vramgate: packageVersion(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    addon: { loaded: !!addon, path: status.path, version: addon?.version, reason: status.reason },
    nvml: probe?.nvml ?? { found: false, error: "native addon not loaded" },
    cudaRuntime: probe?.cudaRuntime ?? { found: false, error: "native addon not loaded" },
    driverVersion: probe?.driverVersion ?? null,
    gpus: probe?.gpus ?? [],
    engines,
  };
}

function mib(b: number): string {
  return `${(b / 2 ** 20).toFixed(0)} MiB`;
}

function render(r: Record<string, any>): string {
  const lines: string[] = [];
  const yes = (b: boolean) => (b ? "yes" : "no ");
  lines.push(`vramgate ${r.vramgate} on node ${r.node} (${r.platform})`);
  lines.push(`native addon   ${yes(r.addon.loaded)} ${r.addon.loaded ? `${r.addon.path ?? ""}` : `— ${r.addon.reason}`}`);
  const lib = (name: string, x: any) =>
    `${name.padEnd(14)} ${yes(x.found)} ${x.found ? x.path ?? "" : `— ${x.error ?? "not found"}${x.looked?.length ? ` (looked in: ${x.looked.join(", ")})` : ""}`}`;
  lines.push(lib("NVML", r.nvml));
  lines.push(lib("CUDA runtime", r.cudaRuntime));
  lines.push(`driver         ${r.driverVersion ?? "none found"}`);
  if (r.gpus.length === 0) lines.push("GPUs           none (host memory only: RSS is sampled, GPU engines unavailable)");
  for (const g of r.gpus) lines.push(`GPU ${g.index}          ${g.name}, ${mib(g.totalBytes)}${g.uuid ? ` (${g.uuid})` : ""}`);
  lines.push("engines:");
  for (const [name, e] of Object.entries<EngineReport>(r.engines)) {
    lines.push(`  ${name.padEnd(12)} ${e.available ? "available" : "unavailable"}${e.version ? ` ${e.version}` : ""} — ${e.detail}`);
  }
  return lines.join("\n");
}

export const command: CommandModule<object, { json: boolean }> = {
  command: "doctor",
  describe: "Show what this machine offers: addon, NVML, CUDA, GPUs, engines (and why not)",
  builder: (y) => y.option("json", { type: "boolean", default: false, describe: "print one JSON object" }),
  handler: async (argv) => {
    const report = await doctorReport();
    process.stdout.write((argv.json ? JSON.stringify(report, null, 2) : render(report)) + "\n");
    process.exitCode = 0;
  },
};
