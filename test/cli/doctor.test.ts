/**
 * `vramgate doctor` lists only the ONNX Runtime execution providers this build can really
 * run (issue #12 item 7): onnxruntime-node's listSupportedBackends() names cuda and
 * tensorrt on every linux-x64 build, CPU-only or not. The expectation is computed the way a
 * run decides (probeProvider: the provider's library, then a session with it alone).
 */
import { describe, expect, it } from "vitest";
import { missingProviderLibrary, probeProvider, type GpuProvider } from "../../src/engines/onnxruntime/probe.js";
import { runCli } from "../helpers/cli.js";

interface OrtReport {
  available: boolean;
  detail: string;
  providers: string[];
  unavailableProviders: Record<string, string>;
}

describe("doctor: execution providers", () => {
  it("--json lists as usable exactly the providers a session can be created with", async () => {
    const ort = await import("onnxruntime-node");
    const expected = ["cpu"];
    for (const p of ["cuda", "tensorrt"] as GpuProvider[])
      if ((await probeProvider(ort, p, 0)) === null) expected.push(p);

    const r = await runCli(["doctor", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { engines: { onnxruntime: OrtReport } };
    const o = report.engines.onnxruntime;
    expect(o.available).toBe(true);
    expect(o.providers).toEqual(expected);
    // Every selectable provider is either usable or named with the reason; nothing else (webgpu) appears.
    expect(Object.keys(o.unavailableProviders).sort()).toEqual(
      ["cuda", "tensorrt"].filter((p) => !expected.includes(p)).sort(),
    );
    expect(o.detail).toMatch(new RegExp(`^execution providers usable here: ${expected.join(", ")}(;|$)`));
    expect(o.detail).not.toContain("webgpu");
  });

  it.skipIf(missingProviderLibrary("cuda") === null || missingProviderLibrary("tensorrt") === null)(
    "a CPU-only build says so in the table, and lists cpu alone",
    async () => {
      const r = await runCli(["doctor"]);
      expect(r.code).toBe(0);
      const line = r.stdout.split("\n").find((l) => l.trimStart().startsWith("onnxruntime"));
      expect(line).toMatch(
        /^ {2}onnxruntime {2}available \S+ — execution providers usable here: cpu; not cuda or tensorrt: this build is CPU-only \(ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install fetches them\)$/,
      );
    },
  );
});
