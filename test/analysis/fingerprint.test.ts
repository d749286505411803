import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareResults } from "../../src/analysis/compare.js";
import { environmentWarnings } from "../../src/analysis/fingerprint.js";
import { formatComparison } from "../../src/cli/compare.js";
import { renderPrComment } from "../../src/report/pr-comment.js";
import { parseResultsJson, readResultsFile } from "../../src/results/read.js";
import { hostFingerprint } from "../../src/run/environment.js";

const FIX = join(import.meta.dirname, "../fixtures/results");

describe("environment fingerprint in compare", () => {
  const base = readResultsFile(join(FIX, "clean-pass.json"));

  it("identical environments: no warning", () => {
    expect(environmentWarnings(base.environment, structuredClone(base.environment))).toEqual([]);
    expect(compareResults(base, structuredClone(base)).environmentWarnings).toEqual([]);
  });

  it("names every difference that may move the figures, and a busy machine", () => {
    const head = structuredClone(base);
    head.environment.hostname = "runner-7";
    head.environment.kernel = "6.9.0";
    head.environment.node = "v22.1.0";
    head.environment.fingerprint = { loadAverage1m: 8.5, cpuGovernor: "powersave" };
    const b = structuredClone(base);
    b.environment.fingerprint = { loadAverage1m: 0.2, cpuGovernor: "performance" };
    const w = environmentWarnings(b.environment, head.environment);
    expect(w).toContain(`host: ${base.environment.hostname} vs runner-7`);
    expect(w).toContain(`kernel: ${base.environment.kernel} vs 6.9.0`);
    expect(w).toContain(`Node: ${base.environment.node} vs v22.1.0`);
    expect(w).toContain("CPU governor: performance vs powersave");
    expect(w.some((x) => x.startsWith("head started on a busy machine: load average 8.50"))).toBe(true);
    expect(w.some((x) => x.startsWith("base started"))).toBe(false);

    // Warnings, not a refusal: the comparison is made and says them.
    const c = compareResults(b, head);
    expect(c.environmentWarnings).toEqual(w);
    expect(formatComparison(c)).toContain("warning: CPU governor: performance vs powersave");
    expect(renderPrComment(c)).toContain("**Environment warnings**");
  });

  it("names a GPU whose maximum clocks differ (another SKU, locked clocks), not the clocks of the moment", () => {
    const gpu = readResultsFile(join(FIX, "h100-torch-leak.json"));
    const withClocks = (sm: number, smMax: number, memMax: number) => {
      const e = structuredClone(gpu.environment);
      e.gpus[0]!.clocks = { smMHz: sm, smMaxMHz: smMax, memMHz: 2619, memMaxMHz: memMax };
      return e;
    };
    expect(environmentWarnings(withClocks(345, 1980, 2619), withClocks(1980, 1980, 2619))).toEqual([]);
    expect(environmentWarnings(withClocks(345, 1980, 2619), withClocks(345, 1410, 1593))).toEqual([
      "GPU max SM clock (MHz): 1980 vs 1410",
      "GPU max memory clock (MHz): 2619 vs 1593",
    ]);
  });

  it("a run records its fingerprint, and results files with one validate", () => {
    const f = hostFingerprint();
    if (process.platform === "linux") expect(typeof f.loadAverage1m).toBe("number");
    const withPrint = structuredClone(base);
    withPrint.environment.fingerprint = { loadAverage1m: 1.25, cpuGovernor: "schedutil" };
    const back = parseResultsJson(JSON.stringify(withPrint), "x.json");
    expect(back.environment.fingerprint).toEqual({ loadAverage1m: 1.25, cpuGovernor: "schedutil" });
  });
});
