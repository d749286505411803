import { describe, expect, it } from "vitest";
import { STRATEGIES } from "../../src/engines/contract.js";
import { ENGINES, REGISTRY, engineDescriptor, strategiesOf, strategyUnsupported } from "../../src/engines/registry.js";
import { jsStrategyUnsupported } from "../../src/run/strategy-loop.js";
import { scenarioSchema } from "../../src/scenarios/schema.js";

describe("engine registry", () => {
  it("names each engine once, and the scenario schema has one optional section per engine", () => {
    expect(new Set(ENGINES).size).toBe(REGISTRY.length);
    expect(ENGINES).toEqual(["onnxruntime", "libtorch", "tensorrt", "process"]);
    for (const name of ENGINES) expect(Object.keys(scenarioSchema.shape)).toContain(name);
  });

  it("says for every engine and strategy whether it runs, and why not in words", () => {
    expect(strategiesOf("onnxruntime")).toEqual(["persistent", "teardown", "scoped"]);
    expect(strategiesOf("process")).toEqual(["persistent", "teardown", "scoped"]);
    expect(strategiesOf("libtorch")).toEqual([...STRATEGIES]);
    expect(strategiesOf("tensorrt")).toEqual([...STRATEGIES]);
    expect(strategyUnsupported("onnxruntime", "per-shape")).toBe(
      'onnxruntime does not support strategy "per-shape": a session is not bound to a shape, so a per-shape pool would hold N copies of the same weights (it runs persistent, teardown, scoped)',
    );
    expect(strategyUnsupported("process", "user-managed")).toMatch(/allocated inside the worker/);
    expect(strategyUnsupported("libtorch", "user-managed")).toBeNull();
  });

  it("every strategy a JS-hosted engine claims is one the JS strategy loop can run", () => {
    for (const d of REGISTRY) {
      if (d.host.kind !== "js") continue;
      for (const s of strategiesOf(d.name)) expect(jsStrategyUnsupported(s), `${d.name}/${s}`).toBeNull();
    }
  });

  it("fills every optional section with its defaults, and refuses an empty required one", () => {
    for (const d of REGISTRY) {
      const parsed = d.section.safeParse({});
      expect(parsed.success, d.name).toBe(!d.sectionRequired);
    }
    expect(engineDescriptor("tensorrt").section.parse({})).toMatchObject({ allocationStrategy: "static" });
  });

  it("resolves section paths against the scenario's folder and reports bad ones at their path", () => {
    const problems: unknown[] = [];
    const trt = engineDescriptor("tensorrt");
    const out = trt.resolveSection?.(trt.section.parse({ cacheDir: "cache" }), "/work/s", (p) => problems.push(p));
    expect(out).toMatchObject({ cacheDir: "/work/s/cache" });
    const proc = engineDescriptor("process");
    proc.resolveSection?.(
      proc.section.parse({ command: ["x"], cwd: "no-such-folder", env: { "A=B": "1" } }),
      "/nonexistent-vramgate",
      (p) => problems.push(p),
    );
    expect(problems).toEqual([
      expect.objectContaining({ path: ["env", "A=B"], key: true }),
      expect.objectContaining({
        path: ["cwd"],
        expected: "an existing folder (looked for /nonexistent-vramgate/no-such-folder)",
      }),
    ]);
  });
});
