/**
 * A run's process exits promptly after its last write (issue #13): nothing (a timer, an
 * interval, a handle left referenced) keeps vramgate alive after the run is over. Measured
 * from the newest mtime of any file it wrote under --out (results, report, charts, traces;
 * the filesystem keeps them to the nanosecond) to the process's exit as seen by this test.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scenarioDir, startCli, tinyScenario } from "../helpers/cli.js";

/** Newest mtime (ms, fractional) of any file under `dir`. */
function lastWrite(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? lastWrite(p) : statSync(p).mtimeMs);
  }
  return newest;
}

describe("exit after the last write", () => {
  it("a finished bench exits promptly after its last write, held by no timer or handle", {
    timeout: 180_000,
  }, async () => {
    const dir = scenarioDir({ "s.yaml": tinyScenario("exit", "{ warmup: 1, iterations: 20, rounds: 2 }") });
    const out = join(dir, "out");
    const cli = startCli(["bench", join(dir, "s.yaml"), "--out", out, "--quiet", "--junit", join(out, "junit.xml")]);
    let exitedAt = 0;
    // 'exit' (not 'close'): the moment the process ended, before its pipes drain here.
    cli.child.on("exit", () => (exitedAt = Date.now()));
    const { code, stderr } = await cli.done;
    expect(stderr).not.toMatch(/\n\s+at /);
    expect([0, 1]).toContain(code);
    const gapMs = exitedAt - lastWrite(out);
    console.log(`last write → exit: ${gapMs.toFixed(1)} ms`);
    // The gap also holds Node's own exit and this process noticing it: tens of ms, more on a
    // loaded 2-core machine. What this guards against holds the process far longer: a
    // referenced interval (sampler, progress) forever, a watchdog or round timer for
    // run.watchdogS (120 s by default) — so the bound is a margin no machine's speed reaches.
    expect(gapMs).toBeGreaterThan(-50); // mtimes and Date.now() share the clock (allowing for coarse timestamps)
    expect(gapMs).toBeLessThan(15_000);
  });
});
