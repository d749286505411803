/**
 * `vramgate doctor`: what this machine offers vramgate and why something is missing.
 * Exits 0 whatever it finds (a machine without a GPU is a valid place to run).
 */
import type { CommandModule } from "yargs";
import { addonStatus, loadAddon } from "../native/binding.js";
import { packageVersion } from "../run/environment.js";
import { probeProvider, type GpuProvider, type OrtModule } from "../engines/onnxruntime/probe.js";

interface EngineReport {
  available: boolean;
  version?: string;
  detail: string;
  /** onnxruntime: the execution providers a scenario can select that this build really runs. */
  providers?: string[];
  /** onnxruntime: the selectable providers it cannot run, with why. */
  unavailableProviders?: Record<string, string>;
}

/** Providers a scenario can name (onnxruntime.executionProvider); vramgate selects no others. */
const GPU_PROVIDERS: GpuProvider[] = ["cuda", "tensorrt"];

async function onnxruntimeReport(): Promise<EngineReport> {
  let ort: OrtModule;
  try {
    ort = await import("onnxruntime-node");
  } catch (e) {
    return { available: false, detail: `onnxruntime-node not loadable: ${(e as Error).message.split("\n")[0]}` };
  }
  const version = (ort as { env?: { versions?: { common?: string } } }).env?.versions?.common;
  // listSupportedBackends() names what the binding was compiled to know (cuda and tensorrt on
  // every linux-x64 build), not what it can run: each GPU provider is probed as a run would
  // be, by its library and then a session with it alone (src/engines/onnxruntime-probe.ts).
  const providers = ["cpu"];
  const unavailableProviders: Record<string, string> = {};
  for (const p of GPU_PROVIDERS) {
    const why = await probeProvider(ort, p, 0);
    if (why === null) providers.push(p);
    else unavailableProviders[p] = why.split("\n")[0] ?? why;
  }
  const missing = Object.entries(unavailableProviders);
  const cpuOnly = missing.length === GPU_PROVIDERS.length && missing.every(([, why]) => why.includes("CPU-only"));
  const not = cpuOnly
    ? `; not ${missing.map(([p]) => p).join(" or ")}: this build is CPU-only (ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install fetches them)`
    : missing.map(([p, why]) => `; not ${p}: ${why}`).join("");
  return {
    available: true,
    version,
    detail: `execution providers usable here: ${providers.join(", ")}${not}`,
    providers,
    unavailableProviders,
  };
}

async function doctorReport() {
  const addon = loadAddon();
  const status = addonStatus();
  const probe = addon?.probe();
  const engines: Record<string, EngineReport> = {
    onnxruntime: await onnxruntimeReport(),
    libtorch: probe?.engines.libtorch.built
      ? { available: true, version: probe.engines.libtorch.version, detail: "built into the addon" }
      : {
          available: false,
          detail: probe
            ? (probe.engines.libtorch.reason ??
              "not built into the addon: set Torch_DIR to libtorch's CMake folder and run `npm run build:native`")
            : "the native addon did not load",
        },
    tensorrt: probe?.engines.tensorrt.built
      ? { available: true, version: probe.engines.tensorrt.version, detail: "built into the addon" }
      : {
          available: false,
          detail: probe
            ? (probe.engines.tensorrt.reason ??
              "TensorRT not found when the addon was built: set TENSORRT_ROOT and run `npm run build:native`")
            : "the native addon did not load",
        },
    process: {
      available: true,
      detail: "runs the worker command named in the scenario (python/vramgate_worker.py helps write one)",
    },
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

type DoctorReport = Awaited<ReturnType<typeof doctorReport>>;

interface LibraryReport {
  found: boolean;
  path?: string;
  error?: string;
  looked?: string[];
}

function render(r: DoctorReport): string {
  const lines: string[] = [];
  const yes = (b: boolean) => (b ? "yes" : "no ");
  lines.push(`vramgate ${r.vramgate} on node ${r.node} (${r.platform})`);
  lines.push(
    `native addon   ${yes(r.addon.loaded)} ${r.addon.loaded ? `${r.addon.path ?? ""}` : `— ${r.addon.reason}`}`,
  );
  const lib = (name: string, x: LibraryReport) =>
    `${name.padEnd(14)} ${yes(x.found)} ${x.found ? (x.path ?? "") : `— ${x.error ?? "not found"}${x.looked?.length ? ` (looked in: ${x.looked.join(", ")})` : ""}`}`;
  lines.push(lib("NVML", r.nvml));
  lines.push(lib("CUDA runtime", r.cudaRuntime));
  lines.push(`driver         ${r.driverVersion ?? "none found"}`);
  if (r.gpus.length === 0)
    lines.push("GPUs           none (host memory only: RSS is sampled, GPU engines unavailable)");
  for (const g of r.gpus) {
    lines.push(`GPU ${g.index}          ${g.name}, ${mib(g.totalBytes)}${g.uuid ? ` (${g.uuid})` : ""}`);
    const c = g.clocks;
    if (c && (c.smMHz !== undefined || c.memMHz !== undefined))
      lines.push(
        `  clocks       SM ${c.smMHz ?? "?"} of ${c.smMaxMHz ?? "?"} MHz, memory ${c.memMHz ?? "?"} of ${c.memMaxMHz ?? "?"} MHz (now / at most)`,
      );
  }
  lines.push("engines:");
  for (const [name, e] of Object.entries(r.engines)) {
    lines.push(
      `  ${name.padEnd(12)} ${e.available ? "available" : "unavailable"}${e.version ? ` ${e.version}` : ""} — ${e.detail}`,
    );
  }
  return lines.join("\n");
}

export const command: CommandModule<object, { json: boolean }> = {
  command: "doctor",
  describe: "Show what this machine offers: addon, NVML, CUDA, GPUs, engines (and why not)",
  builder: (y) => y.option("json", { type: "boolean", default: false, describe: "print one JSON object" }),
  handler: async (argv) => {
    const report = await doctorReport();
    process.stdout.write(`${argv.json ? JSON.stringify(report, null, 2) : render(report)}\n`);
    process.exitCode = 0;
  },
};
