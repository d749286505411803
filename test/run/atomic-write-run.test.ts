/**
 * The atomic writer inside a real run (real CLI, real children): a disk that fills up
 * during the run leaves the last good results file intact and says so (exit 3), with no
 * temporary file; two runs started together into one --out leave two complete results
 * files with their own traces.
 */
import { Tmpfs } from "../helpers/tmpfs.js";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, scenarioDir, tinyScenario } from "../helpers/cli.js";
import type { ResultsFile } from "../../src/results/types.js";

const tmpfs = new Tmpfs();
afterAll(() => tmpfs.unmountAll());
const small = mkdtempSync(join(tmpdir(), "vramgate-full-"));
const canMount = tmpfs.mount(small, "size=12k");

describe("results on disk during a run", () => {
  it.skipIf(!canMount)(
    "a disk that fills up mid-run: the previous results file stays intact and the message says so (exit 3)",
    { timeout: 300_000 },
    async () => {
      // 12 KiB: room for the first saves (a few KiB), not for the file once the series grow.
      const dir = scenarioDir({ "s.yaml": tinyScenario("fill", "{ warmup: 1, iterations: 300, rounds: 3 }") });
      const { code, stderr } = await runCli(["bench", join(dir, "s.yaml"), "--out", small, "--quiet", "--no-traces"]);
      expect(code).toBe(3);
      expect(stderr).not.toMatch(/internal error|\n\s+at /);
      expect(stderr).toMatch(/cannot write the results JSON: .*: the disk is full \(ENOSPC\)|short write/);
      expect(stderr).toMatch(/The previous .*-fill\.json is left intact/);
      const files = readdirSync(small);
      expect(files.filter((f) => f.startsWith("."))).toEqual([]); // no temporary file
      const json = files.filter((f) => f.endsWith(".json"));
      expect(json).toHaveLength(1);
      const r = JSON.parse(readFileSync(join(small, json[0]!), "utf8")) as ResultsFile;
      expect(r.schema).toBe("vramgate.results/1");
      expect(r.state).toBe("aborted"); // the last good save, from before the disk filled up
    },
  );

  it("two runs started together into one --out leave two complete results files", { timeout: 300_000 }, async () => {
    const dir = scenarioDir({ "s.yaml": tinyScenario("twin", "{ warmup: 1, iterations: 20, rounds: 2 }") });
    const out = join(dir, "out");
    mkdirSync(out);
    const args = ["bench", join(dir, "s.yaml"), "--out", out, "--quiet"];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const json = readdirSync(out).filter((f) => f.endsWith(".json"));
    expect(json).toHaveLength(2);
    const results = json.map((f) => JSON.parse(readFileSync(join(out, f), "utf8")) as ResultsFile);
    expect(new Set(results.map((r) => r.runId)).size).toBe(2);
    for (const r of results) {
      expect(r.state).toBe("completed");
      for (const s of r.runs[0]!.strategies) {
        expect(s.state).toBe("completed");
        expect(s.iterations).toBe(20);
        expect(s.traceFile!.startsWith(`${r.runId}-traces/`)).toBe(true);
        expect(existsSync(join(out, s.traceFile!))).toBe(true);
      }
    }
  });
});
