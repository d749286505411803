/**
 * GPU checks of the native sampler (run with `npm run test:gpu` on a machine with an
 * NVIDIA GPU, the addon built): NVML is found, and a cudaMalloc made by a separate,
 * watched process shows up in gpuProcessBytes within two sampling intervals and goes
 * away after cudaFree. The figures on an H100 are in results/examples/sampler-h100/.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { addonStatus, loadAddon } from "../../src/native/binding.js";

const MiB = 1024 * 1024;
const enabled = process.env.VRAMGATE_GPU_TESTS === "1";

// The child plants PLANT_MIB after its CUDA context exists, prints stamps, frees it.
const CHILD = `
const a = require(process.argv[1]);
const warm = a.plantDeviceAllocation(1 << 20);
process.stdout.write("ready\\n");
process.stdin.once("data", () => {
  setTimeout(() => {
    const t0 = a.monotonicNs(); const h = a.plantDeviceAllocation(${256} * 1024 * 1024); const t1 = a.monotonicNs();
    setTimeout(() => {
      const t2 = a.monotonicNs(); a.freeDeviceAllocation(h); const t3 = a.monotonicNs();
      a.freeDeviceAllocation(warm);
      process.stdout.write(["stamps", t0, t1, t2, t3].join(" ") + "\\n");
      setTimeout(() => process.exit(0), 50);
    }, 100);
  }, 50);
});
`;

describe.runIf(enabled)("native sampler on a GPU", () => {
  it("probe() finds NVML, the CUDA runtime and at least one GPU", () => {
    const addon = loadAddon();
    expect(addon, addonStatus().reason).not.toBeNull();
    const p = addon!.probe();
    expect(p.nvml.found).toBe(true);
    expect(p.cudaRuntime.found).toBe(true);
    expect(p.gpus.length).toBeGreaterThan(0);
    expect(p.gpus[0]!.totalBytes).toBeGreaterThan(1024 * MiB);
    expect(p.driverVersion).toMatch(/^\d+\./);
  });

  it("a 256 MiB cudaMalloc in a watched child appears within two intervals and leaves after cudaFree", async () => {
    const addon = loadAddon()!;
    const child = spawn(process.execPath, ["-e", CHILD, addonStatus().path!], { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    const line = (prefix: string) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const l = out.split("\n").find((x) => x.startsWith(prefix));
          if (l) resolve(l);
        };
        child.stdout.on("data", (c: string) => {
          out += c;
          check();
        });
        child.once("exit", () => reject(new Error(`child exited; stdout: ${out}`)));
        check();
      });
    await line("ready");
    const s = new addon.Sampler({ intervalMs: 1 });
    s.setPids([child.pid!]);
    s.start();
    await new Promise((r) => setTimeout(r, 20));
    child.stdin.write("go\n");
    const [, t0, t1, t2, t3] = (await line("stamps")).split(" ").map(Number);
    s.stop();
    const d = s.drain();
    const first = (t: number) => d.tNs.findIndex((x) => x >= t);
    const base = d.gpuProcessBytes[first(t0!) - 1]!;
    expect(base).toBeGreaterThan(0); // the child's CUDA context
    const ia = first(t1!);
    const seenAt = d.gpuProcessBytes.findIndex((v, i) => i >= ia && v - base >= 256 * MiB * 0.9);
    expect(seenAt).toBeGreaterThanOrEqual(ia);
    expect(seenAt - ia).toBeLessThanOrEqual(1); // the first or second sample after cudaMalloc returned
    const iF = first(t3!);
    const goneAt = d.gpuProcessBytes.findIndex((v, i) => i >= iF && v - base <= 256 * MiB * 0.1);
    expect(goneAt).toBeGreaterThanOrEqual(iF);
    expect(goneAt - iF).toBeLessThanOrEqual(1);
    expect(t2).toBeGreaterThan(t1!);
  });
});
