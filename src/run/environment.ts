/** What machine and software a run was measured on (stored in every results file). */
import { cpus, hostname, loadavg, platform, release, totalmem, type } from "node:os";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Environment, HostFingerprint, RunGpu } from "../results/types.js";
import { addonStatus, loadAddon } from "../native/binding.js";

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    return pkg.version;
  } catch {
    return "unknown";
  }
}

function gitCommit(): string | undefined {
  try {
    return (
      execFileSync("git", ["rev-parse", "HEAD"], { stdio: ["ignore", "pipe", "ignore"], timeout: 5000 })
        .toString()
        .trim() || undefined
    );
  } catch {
    return undefined;
  }
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync("/etc/os-release", "utf8"));
    if (m) return m[1]!;
  } catch {
    /* not Linux */
  }
  return `${type()} ${platform()}`;
}

/**
 * Engine versions that are known before any engine is loaded, for the engines named:
 * onnxruntime's is the installed onnxruntime-node package's version, exactly what its
 * child reports once loaded. The native engines (libtorch, tensorrt) and the process
 * engine report theirs only from a loaded engine or a started worker, so they are absent
 * here; `compareEnvironments(…, { partial: true })` treats absent as unknown, not as
 * different, and the full comparison runs again after the run.
 */
export function engineVersionsBeforeLoad(engines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (engines.includes("onnxruntime")) {
    try {
      const pkg = createRequire(import.meta.url)("onnxruntime-node/package.json") as { version?: unknown };
      if (typeof pkg.version === "string") out.onnxruntime = pkg.version;
    } catch {
      /* not installed: the engine says so when it is asked to run */
    }
  }
  return out;
}

/**
 * The machine and software a run is measured on. Engine versions are filled in by the
 * orchestrator as each strategy's child loads its engine; `opts.engines` pre-fills those
 * knowable without loading (see engineVersionsBeforeLoad), for checks made before a run.
 */
export function collectEnvironment(opts: { engines?: readonly string[] } = {}): Environment {
  const addon = loadAddon();
  const status = addonStatus();
  const probe = addon?.probe();
  const cpu = cpus();
  return {
    hostname: hostname(),
    os: osName(),
    kernel: release(),
    cpu: cpu[0]?.model ?? "unknown",
    cpuCount: cpu.length,
    totalMemoryBytes: totalmem(),
    node: process.version,
    vramgate: packageVersion(),
    gitCommit: gitCommit(),
    addon: {
      loaded: !!addon,
      reason: status.reason,
      nvml: probe?.nvml.found ?? false,
      cudaRuntime: probe?.cudaRuntime.found ?? false,
    },
    gpus: (probe?.gpus ?? []).map(({ computePids: _, ...g }) => ({ ...g, driverVersion: probe?.driverVersion })),
    driverVersion: probe?.driverVersion,
    cudaVersion: probe?.cudaDriverVersion ? formatCudaVersion(probe.cudaDriverVersion) : undefined,
    engines: opts.engines ? engineVersionsBeforeLoad(opts.engines) : {},
    fingerprint: hostFingerprint(),
  };
}

/** The GPUs NVML lists (for `--gpus`), or why there are none. */
export function visibleGpus(): { gpus: Array<{ index: number; uuid: string; name: string }>; why: string } {
  const addon = loadAddon();
  if (!addon) return { gpus: [], why: `the native addon is not loaded: ${addonStatus().reason ?? "unknown reason"}` };
  const probe = addon.probe();
  if (!probe.nvml.found) return { gpus: [], why: probe.nvml.error ?? "NVML (libnvidia-ml.so.1) not found" };
  const gpus = probe.gpus.map((g) => ({ index: g.index, uuid: g.uuid, name: g.name }));
  return { gpus, why: gpus.length ? "" : "NVML lists no GPU" };
}

/**
 * The GPU with this NVML index now: identity and clocks for the run's record, and the PIDs
 * NVML lists on it (the container PID check's reference). Undefined without NVML or that GPU.
 */
export function readRunGpu(index: number): { gpu: RunGpu; listedPids: number[] | undefined } | undefined {
  const probe = loadAddon()?.probe();
  const g = probe?.nvml.found ? probe.gpus.find((x) => x.index === index) : undefined;
  if (!probe || !g) return undefined;
  const { computePids, ...rest } = g;
  return {
    gpu: { ...rest, driverVersion: probe.driverVersion, recordedAt: new Date().toISOString() },
    listedPids: computePids,
  };
}

/** Load and CPU governor now (what else may move the figures); fields that cannot be read are left out. */
export function hostFingerprint(): HostFingerprint {
  const out: HostFingerprint = {};
  const load = loadavg()[0];
  if (load !== undefined && Number.isFinite(load) && platform() !== "win32")
    out.loadAverage1m = Math.round(load * 100) / 100;
  try {
    const g = readFileSync("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "utf8").trim();
    if (g) out.cpuGovernor = g.slice(0, 40);
  } catch {
    /* not readable here (containers, VMs, macOS): left out */
  }
  return out;
}

function formatCudaVersion(v: number): string {
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}
