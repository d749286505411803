import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeLeak } from "../../src/analysis/leak.js";
import { readCsvTrace } from "../../src/analysis/trace-io.js";
import type { LeakVerdict } from "../../src/results/verdicts.js";

interface Entry {
  file: string;
  expected: LeakVerdict | "not-leak";
  column?: string;
  warmupIterations?: number;
  /** For leaks of known rate: bounds the slope must fall within, bytes/iteration. */
  slopeBytesPerIterationRange?: [number, number];
  recordedWith: string;
  knownMisjudged?: string;
}

const dir = join(__dirname, "../fixtures/traces/real");
const manifestFile = join(dir, "manifest.json");
const entries: Entry[] = existsSync(manifestFile)
  ? (JSON.parse(readFileSync(manifestFile, "utf8")) as { traces: Entry[] }).traces
  : [];

describe("real traces (test/fixtures/traces/real/manifest.json)", () => {
  it("has a manifest whose every entry names an existing file, a verdict and how it was recorded", () => {
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect(existsSync(join(dir, e.file)), e.file).toBe(true);
      expect(["leak", "plateau", "flat", "inconclusive", "not-leak"]).toContain(e.expected);
      expect(e.recordedWith.length).toBeGreaterThan(0);
    }
  });

  for (const e of entries) {
    const title = `${e.file}: ${e.expected}`;
    const test = e.knownMisjudged ? it.skip : it;
    test(e.knownMisjudged ? `${title} (known misjudged: ${e.knownMisjudged})` : title, async () => {
      const trace = await readCsvTrace(join(dir, e.file), e.column ? { column: e.column } : {});
      const a = analyzeLeak(trace, e.warmupIterations !== undefined ? { warmupIterations: e.warmupIterations } : {});
      if (e.expected === "not-leak") expect(a.verdict, a.explanation).not.toBe("leak");
      else expect(a.verdict, a.explanation).toBe(e.expected);
      if (e.slopeBytesPerIterationRange) {
        expect(a.slopeBytesPerIteration).toBeGreaterThanOrEqual(e.slopeBytesPerIterationRange[0]);
        expect(a.slopeBytesPerIteration).toBeLessThanOrEqual(e.slopeBytesPerIterationRange[1]);
      }
    });
  }
});
