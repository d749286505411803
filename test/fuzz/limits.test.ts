/**
 * Inputs up to the documented limits are read in bounded memory (peak RSS under 512 MiB,
 * measured on the real CLI), and inputs past them are refused early with a message that
 * names the limit and the variable that raises it. Memory is asserted; time is not.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";
import { LIMITS, limitValue } from "../../src/io/read-limited.js";

const MiB = 1024 * 1024;
const RSS_LIMIT_KB = 512 * 1024;
const dir = mkdtempSync(join(tmpdir(), "vramgate-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI from source with the peak-RSS hook; resolves with exit code, stderr and peak RSS (KiB). */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string; maxRssKb: number }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--import", join(ROOT, "test/fuzz/rss-hook.mjs"), join(ROOT, "src/cli/main.ts"), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((res) =>
    child.on("close", (code) => {
      const m = /VRAMGATE_MAXRSS_KB (\d+)/.exec(stderr);
      res({
        code,
        stdout,
        stderr: stderr.replace(/\nVRAMGATE_MAXRSS_KB \d+\n/, ""),
        maxRssKb: m ? Number(m[1]) : Number.NaN,
      });
    }),
  );
}

/** A results file just under the size limit, made of copies of a real GPU run. */
function bigResults(): string {
  const f = join(dir, "big.json");
  const base = JSON.parse(readFileSync(join(ROOT, "test/fixtures/results/h100-torch-leak.json"), "utf8"));
  const run = base.runs[0];
  const make = (n: number) =>
    JSON.stringify(
      { ...base, runs: Array.from({ length: n }, (_, i) => ({ ...run, key: `${run.key}#${i}` })) },
      null,
      1,
    );
  const per = make(4).length / 4;
  let n = Math.floor((limitValue(LIMITS.results) - 64 * 1024) / per);
  let text = make(n);
  while (text.length > limitValue(LIMITS.results)) text = make(--n);
  expect(text.length).toBeLessThanOrEqual(limitValue(LIMITS.results));
  expect(text.length).toBeGreaterThan(limitValue(LIMITS.results) * 0.9);
  writeFileSync(f, text);
  return f;
}

/** A CSV trace with as many lines as the limit allows (short rows: the most rows per byte). */
function longCsv(lines: number): string {
  const f = join(dir, `rows-${lines}.csv`);
  const fd = openSync(f, "w");
  writeSync(fd, "iteration,used_bytes\n");
  for (let i = 0; i < lines - 1; ) {
    let chunk = "";
    for (let k = 0; k < 100_000 && i < lines - 1; k++, i++) chunk += `${i},${1_000_000 + i}\n`;
    writeSync(fd, chunk);
  }
  closeSync(fd);
  return f;
}

describe("limits: bounded memory up to them, early refusal past them", () => {
  it("analyze and compare of a results JSON at the size limit stay under 512 MiB", { timeout: 600_000 }, async () => {
    const f = bigResults();
    const a = await cli(["analyze", f, "--json"]);
    expect(a.stderr).not.toMatch(/internal error/);
    expect([0, 1]).toContain(a.code);
    expect(a.maxRssKb).toBeLessThan(RSS_LIMIT_KB);
    const c = await cli(["compare", f, f, "--json"]);
    expect(c.code).toBe(0);
    expect(c.maxRssKb).toBeLessThan(RSS_LIMIT_KB);
    console.log(
      `results JSON of ${(readFileSync(f).length / MiB).toFixed(1)} MiB: peak RSS analyze ${Math.round(a.maxRssKb / 1024)} MiB, compare ${Math.round(c.maxRssKb / 1024)} MiB`,
    );
    // One byte over: refused before parsing, naming the limit and its variable.
    const over = await cli(["compare", f, f], { VRAMGATE_MAX_RESULTS_MIB: String((readFileSync(f).length - 1) / MiB) });
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(
      /big\.json: expected a vramgate results JSON of at most .* MiB, found .* MiB\. If the file is genuine, raise the limit with VRAMGATE_MAX_RESULTS_MIB=<MiB>\./,
    );
  });

  it("analyze of a CSV trace at the line-count limit stays under 512 MiB; one line more is refused", {
    timeout: 600_000,
  }, async () => {
    const lines = limitValue(LIMITS.traceLines);
    const f = longCsv(lines);
    const a = await cli(["analyze", f]);
    expect(a.stderr).not.toMatch(/internal error/);
    expect(a.code).toBe(0);
    expect(a.maxRssKb).toBeLessThan(RSS_LIMIT_KB);
    console.log(
      `CSV trace of ${lines.toLocaleString("en-US")} lines: peak RSS analyze ${Math.round(a.maxRssKb / 1024)} MiB`,
    );
    const over = await cli(["analyze", f], { VRAMGATE_MAX_TRACE_LINES: String(lines - 1) });
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(
      /rows-\d+\.csv:\d+:1: expected a readable CSV trace of at most [\d,]+ lines, found more lines\. If the file is genuine, raise the limit with VRAMGATE_MAX_TRACE_LINES=<lines>\./,
    );
  });

  it("a 64 MiB single-line CSV stops at the line limit in small memory", { timeout: 300_000 }, async () => {
    const f = join(dir, "one-line.csv");
    const fd = openSync(f, "w");
    writeSync(fd, "iteration,used_bytes\n0,");
    const block = "9".repeat(MiB);
    for (let i = 0; i < 64; i++) writeSync(fd, block);
    closeSync(fd);
    const r = await cli(["analyze", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /one-line\.csv:2:1: expected lines of at most 64 KiB, found line 2 longer than that\. If the file is genuine, raise the limit with VRAMGATE_MAX_LINE_KIB=<KiB>\./,
    );
    expect(r.maxRssKb).toBeLessThan(256 * 1024);
  });

  it("/dev/zero and /dev/urandom are refused at once, in small memory", { timeout: 300_000 }, async () => {
    for (const args of [
      ["analyze", "/dev/zero"],
      ["compare", "/dev/zero", "/dev/zero"],
      ["bench", "/dev/urandom"],
    ]) {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/\/dev\/(zero|urandom): expected .*\(a regular file\), found a character device/);
      expect(r.maxRssKb).toBeLessThan(256 * 1024);
    }
  });
});
