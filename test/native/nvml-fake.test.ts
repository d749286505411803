/**
 * The sampler's NVML path on a CPU machine, against a stand-in libnvidia-ml built here
 * (fixtures/fake_nvml.cc): loading through VRAMGATE_NVML_PATH, the probe's GPU list, the
 * sum of usedGpuMemory over exactly the watched PIDs, device-wide used memory, a process
 * list longer than the first buffer, and both element strides the driver may use.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AddonProbe } from "../../src/native/AddonTypes.js";
import { addonPath, fixture } from "./helpers.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
let dir = "";
let lib = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vramgate-fake-nvml-"));
  lib = join(dir, "libnvidia-ml.so.1");
  const cc = spawnSync("g++", ["-std=c++17", "-O1", "-shared", "-fPIC", "-o", lib, fixture("fake_nvml.cc")], {
    encoding: "utf8",
  });
  if (cc.status !== 0) throw new Error(`building the fake NVML failed (g++ is needed, as for the addon): ${cc.stderr}`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Phase {
  gpuProcessBytes: number[];
  deviceUsedBytes: number[];
  deviceTotalBytes: number;
}

function runChild(stride: number, state: Array<[number, number]>, watched: number[], phase2: Array<[number, number]>) {
  const stateFile = join(dir, `state-${stride}`);
  writeFileSync(stateFile, `${state.map(([p, b]) => `${p} ${b}`).join("\n")}\n`);
  const r = spawnSync(
    process.execPath,
    [
      fixture("fake-nvml-child.cjs"),
      addonPath(),
      stateFile,
      watched.join(","),
      phase2.map(([p, b]) => `${p}:${b}`).join(","),
    ],
    {
      encoding: "utf8",
      env: { ...process.env, VRAMGATE_NVML_PATH: lib, FAKE_NVML_STATE: stateFile, FAKE_NVML_STRIDE: String(stride) },
      timeout: 20_000,
    },
  );
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { probe: AddonProbe; nvml: boolean; one: Phase; two: Phase };
}

const last = (xs: number[]) => xs[xs.length - 1]!;

describe("sampler with a stand-in NVML", () => {
  for (const stride of [24, 32]) {
    it(`sums usedGpuMemory over the watched PIDs only (driver elements of ${stride} bytes)`, () => {
      // Two watched processes among unwatched ones; 80 entries overflow the first 64-entry buffer.
      const others: Array<[number, number]> = Array.from({ length: 78 }, (_, i) => [900000 + i, (i + 1) * MiB]);
      const state: Array<[number, number]> = [[4001, 100 * MiB], ...others, [4002, 50 * MiB]];
      const phase2: Array<[number, number]> = [[4001, 300 * MiB], ...others];
      const out = runChild(stride, state, [4001, 4002], phase2);
      expect(out.nvml).toBe(true);
      expect(out.probe.nvml).toMatchObject({ found: true, path: lib });
      expect(out.probe.gpus).toEqual([
        {
          index: 0,
          name: "Fake GPU",
          uuid: "GPU-00000000-fake",
          totalBytes: 80 * GiB,
          clocks: { smMHz: 1980, smMaxMHz: 1980, memMHz: 2619, memMaxMHz: 2619 },
          computePids: state.map(([pid]) => pid),
        },
      ]);
      expect(out.probe.driverVersion).toBe("999.99");
      const othersBytes = others.reduce((a, [, b]) => a + b, 0);
      expect(out.one.gpuProcessBytes.length).toBeGreaterThan(5);
      expect(new Set(out.one.gpuProcessBytes)).toEqual(new Set([150 * MiB]));
      expect(last(out.one.deviceUsedBytes)).toBe(GiB + 150 * MiB + othersBytes);
      expect(out.one.deviceTotalBytes).toBe(80 * GiB);
      // Phase 2: 4001 grew, 4002 released its context (absent from the list: 0 bytes).
      expect(last(out.two.gpuProcessBytes)).toBe(300 * MiB);
      expect(last(out.two.deviceUsedBytes)).toBe(GiB + 300 * MiB + othersBytes);
    });
  }

  it("a device index NVML does not have is a RangeError naming the GPU count", () => {
    const r = spawnSync(
      process.execPath,
      [
        "-e",
        `const a=require(${JSON.stringify(addonPath())}); try { new a.Sampler({device: 3}); } catch (e) { console.log(e.constructor.name + ": " + e.message); }`,
      ],
      { encoding: "utf8", env: { ...process.env, VRAMGATE_NVML_PATH: lib } },
    );
    expect(r.stdout).toMatch(/^RangeError: GPU 3 not found \(1 visible\)/);
  });
});
