import { existsSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { addonStatus, loadAddon } from "../../src/native/binding.js";

// GPU machines: the no-GPU error path below does not apply there (test/gpu covers the GPU path).
const probed = loadAddon()?.probe();
const hasGpu = probed?.nvml.found === true && probed.gpus.length > 0;

describe("native addon", () => {
  it("loads from build/Release and exports the documented API", () => {
    const addon = loadAddon();
    expect(addonStatus()).toMatchObject({ loaded: true });
    expect(addon).not.toBeNull();
    expect(addon!.version).toMatch(/^\d+\.\d+\.\d+/);
    for (const fn of [
      "probe",
      "monotonicNs",
      "plantDeviceAllocation",
      "freeDeviceAllocation",
      "cudaMemGetInfo",
    ] as const) {
      expect(typeof addon![fn]).toBe("function");
    }
    expect(typeof addon!.Sampler).toBe("function");
    expect(typeof addon!.NativeEngine).toBe("function");
  });

  it("monotonicNs is CLOCK_MONOTONIC, the clock of process.hrtime", () => {
    const addon = loadAddon()!;
    const before = Number(process.hrtime.bigint());
    const t = addon.monotonicNs();
    const after = Number(process.hrtime.bigint());
    expect(t).toBeGreaterThanOrEqual(before - 1000); // doubles round to ~0.1 µs at this magnitude
    expect(t).toBeLessThanOrEqual(after + 1000);
  });

  it("probe() says where NVML and the CUDA runtime were looked for", () => {
    const p = loadAddon()!.probe();
    for (const lib of [p.nvml, p.cudaRuntime]) {
      expect(lib.looked.length).toBeGreaterThan(0);
      if (lib.found) {
        expect(existsSync(lib.path!)).toBe(true);
      } else {
        expect(lib.error).toBeTruthy();
      }
    }
    expect(p.nvml.looked).toContain("libnvidia-ml.so.1");
    // The toolkit's stub library only returns errors; it must never be picked.
    expect(p.nvml.looked.some((l) => l.includes("stubs"))).toBe(false);
    if (!p.nvml.found) {
      expect(p.nvml.error).toMatch(/libnvidia-ml\.so\.1/);
      expect(p.gpus).toEqual([]);
      expect(p.driverVersion).toBeUndefined();
    } else {
      for (const g of p.gpus) expect(g.totalBytes).toBeGreaterThan(0);
    }
    expect(p.engines.host.built).toBe(true);
    for (const e of [p.engines.libtorch, p.engines.tensorrt]) expect(typeof e.built).toBe("boolean");
  });

  const noGpuTitle = "plantDeviceAllocation without a usable GPU fails with a CUDA message, not a crash";
  it.skipIf(hasGpu)(
    hasGpu ? `${noGpuTitle} — SKIPPED: this machine has a GPU (test/gpu covers it)` : noGpuTitle,
    () => {
      const addon = loadAddon()!;
      expect(() => addon.plantDeviceAllocation(1 << 20)).toThrow(/CUDA|cuda/);
      expect(() => addon.freeDeviceAllocation(12345)).toThrow(RangeError);
      expect(() => addon.plantDeviceAllocation(-1)).toThrow(TypeError);
    },
  );

  it("a missing build is reported with the cause and possible solutions", async () => {
    vi.resetModules();
    const saved = process.env.VRAMGATE_ADDON_PATH;
    process.env.VRAMGATE_ADDON_PATH = "/nonexistent/vramgate.node";
    try {
      const fresh = await import("../../src/native/binding.js");
      expect(fresh.loadAddon()).toBeNull();
      const s = fresh.addonStatus();
      expect(s.loaded).toBe(false);
      expect(s.reason).toContain("/nonexistent/vramgate.node");
      expect(s.reason).toContain("Possible solutions");
      expect(s.reason).toContain("npm run build:native");
    } finally {
      if (saved === undefined) delete process.env.VRAMGATE_ADDON_PATH;
      else process.env.VRAMGATE_ADDON_PATH = saved;
      vi.resetModules();
    }
  });
});
