/**
 * Fuzz test of every input vramgate takes from a user: a seeded generator of malformed
 * scenarios, results files and CSV traces, and a list of filesystem faults on every reader
 * and writer (a folder, a pipe, /dev/zero, a file on the way, names and paths too long, /proc,
 * and — where root may mount a tmpfs — a read-only and a full disk). The CLI runs in this
 * process (src/cli/main.ts's own `main`), so hundreds of cases fit in the suite.
 *
 * Every case must: exit with a documented code (2 bad input, 3 the machine; 0/1 only where
 * a mutated file may still be valid), never print "internal error" or a stack trace, name
 * the file or path at fault, print a bounded message, finish within a generous per-case
 * timeout, and leave no file outside --out.
 *
 * Seed and size: VRAMGATE_FUZZ_SEED (default 13013), VRAMGATE_FUZZ_CASES (default 300 generated
 * cases, plus the fixed filesystem-fault list).
 */
import { Tmpfs } from "../helpers/tmpfs.js";
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  type Stats,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildTinyReluModel } from "../../src/models/tiny.js";
import { ROOT } from "../helpers/cli.js";
import { runInProcess, type CliResult } from "./in-process.js";
import { baseScenarioYaml, csvCase, resultsCase, Rng, scenarioCase } from "./generators.js";

const SEED = Number(process.env.VRAMGATE_FUZZ_SEED ?? 13013);
const CASES = Number(process.env.VRAMGATE_FUZZ_CASES ?? 300);
/** Per case: generous, for a loaded 2-core machine. Time is never asserted beyond "it finished". */
const CASE_TIMEOUT_MS = 60_000;
const NAME = "fz";

const root = mkdtempSync(join(tmpdir(), "vramgate-fuzz-"));
const tmpfs = new Tmpfs();
afterAll(() => {
  tmpfs.unmountAll();
  rmSync(root, { recursive: true, force: true });
});

// Shared, read-only inputs.
const shared = join(root, "shared");
mkdirSync(shared);
writeFileSync(join(shared, "tiny.onnx"), buildTinyReluModel());
const VALID_SCENARIO = join(shared, "valid.yaml");
writeFileSync(VALID_SCENARIO, baseScenarioYaml(NAME));
const GOOD_RESULTS = join(shared, "good.json");
{
  // A valid results file from another machine: `bench --baseline` with it is refused before measuring.
  const r = JSON.parse(readFileSync(join(ROOT, "test/fixtures/results/clean-pass.json"), "utf8"));
  r.environment.cpu = "fuzz CPU";
  r.environment.gpus = [{ index: 0, name: "fuzz GPU", totalBytes: 1 }];
  writeFileSync(GOOD_RESULTS, JSON.stringify(r, null, 1));
}
const BASE_RESULTS_TEXT = readFileSync(GOOD_RESULTS, "utf8");
/** A baseline that is never valid: whatever the scenario, bench stops before measuring. */
const BAD_BASELINE = join(shared, "bad-baseline.json");
writeFileSync(BAD_BASELINE, "{}");

/** Flags that keep a run tiny even if a case unexpectedly reaches one. */
const SMALL = ["--iterations", "1", "--rounds", "1", "--warmup", "0", "--quiet", "--no-traces"];

interface Case {
  id: number;
  cls: string;
  what: string;
  args: string[];
  /** Exit codes this case may end with. */
  exits: number[];
  /** Names one of which the message must contain (the file or path at fault). */
  names: string[];
  /** The case's own folder: after the run, new files may appear only under `out`. */
  dir: string;
  out?: string;
  env?: Record<string, string>;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e);
      let st: Stats;
      try {
        st = statSync(p);
      } catch {
        out.push(p); // dangling link or loop: a name all the same
        continue;
      }
      out.push(p);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

const STACK = /\n\s+at [^\n]+:\d+:\d+\)?/;

/** Checks one finished case; returns the problems (empty when it behaved). */
function judge(c: Case, r: CliResult, before: string[]): string[] {
  const bad: string[] = [];
  const text = r.stdout + r.stderr;
  // A synchronous loop blocks the timeout too: the elapsed time tells.
  if (r.timedOut || r.ms > CASE_TIMEOUT_MS)
    bad.push(`did not finish within ${CASE_TIMEOUT_MS} ms (${Math.round(r.ms)} ms)`);
  if (!c.exits.includes(r.code)) bad.push(`exit ${r.code}, expected ${c.exits.join(" or ")}`);
  if (/internal error/i.test(text)) bad.push("internal error");
  if (STACK.test(r.stderr)) bad.push("stack trace");
  if (/TypeError|RangeError|Cannot read propert/.test(r.stderr)) bad.push("a JS error in the message");
  if (r.stderr.length > 20_000) bad.push(`message of ${r.stderr.length} characters`);
  if (/(.)\1{199}/.test(r.stderr)) bad.push("a value echoed at length (200 times the same character)");
  if (r.code >= 2 && !r.timedOut) {
    if (!r.stderr.startsWith("vramgate: ")) bad.push("no `vramgate:` message");
    if (!c.names.some((n) => r.stderr.includes(n)))
      bad.push(`message names none of ${c.names.map((n) => JSON.stringify(n.slice(0, 60))).join(", ")}`);
  }
  const after = listFiles(c.dir);
  const known = new Set(before);
  const stray = after.filter((p) => !known.has(p) && !(c.out && (p === c.out || p.startsWith(`${c.out}/`))));
  if (stray.length) bad.push(`files outside --out: ${stray.map((p) => relative(c.dir, p)).join(", ")}`);
  return bad;
}

async function runCase(c: Case): Promise<{ result: CliResult; problems: string[] }> {
  const before = listFiles(c.dir);
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(c.env ?? {})) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    const result = await runInProcess(c.args, { timeoutMs: CASE_TIMEOUT_MS });
    return { result, problems: judge(c, result, before) };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The generated cases (scenarios, results files, CSV traces), from the seed. */
function generatedCases(): Case[] {
  const r = new Rng(SEED);
  const cases: Case[] = [];
  for (let id = 0; id < CASES; id++) {
    const dir = join(root, `g${id}`);
    mkdirSync(dir);
    const out = join(dir, "out");
    const pick = r.int(10);
    if (pick < 4) {
      // A malformed scenario. The baseline is never valid, so a scenario that happens to
      // pass is stopped there (exit 2 naming the baseline) before anything is measured.
      const f = join(dir, "s.yaml");
      writeFileSync(join(dir, "tiny.onnx"), buildTinyReluModel());
      const { text, what } = scenarioCase(r, NAME);
      writeFileSync(f, text);
      cases.push({
        id,
        cls: "scenario",
        what,
        dir,
        out,
        args: ["bench", f, "--baseline", BAD_BASELINE, "--out", out, ...SMALL],
        exits: [2],
        names: [basename(f), basename(BAD_BASELINE)],
      });
    } else if (pick < 8) {
      const f = join(dir, "r.json");
      const { text, what } = resultsCase(r, BASE_RESULTS_TEXT);
      writeFileSync(f, text);
      const cmd = r.int(4);
      const common = { id, cls: "results", what, dir, out, names: [basename(f)] };
      if (cmd === 0) cases.push({ ...common, cls: "results:analyze", args: ["analyze", f], exits: [0, 1, 2] });
      else if (cmd === 1)
        cases.push({ ...common, cls: "results:compare", args: ["compare", GOOD_RESULTS, f], exits: [0, 1, 2] });
      else if (cmd === 2)
        cases.push({
          ...common,
          cls: "results:compare",
          args: ["compare", f, GOOD_RESULTS, "--json"],
          exits: [0, 1, 2],
        });
      else
        cases.push({
          ...common,
          cls: "results:baseline",
          args: ["bench", VALID_SCENARIO, "--baseline", f, "--out", out, ...SMALL],
          exits: [2],
        });
    } else {
      const f = join(dir, "t.csv");
      const { text, what, env } = csvCase(r);
      writeFileSync(f, text);
      cases.push({
        id,
        cls: "csv",
        what,
        dir,
        out,
        args: ["analyze", f, ...(r.chance(0.3) ? ["--json"] : [])],
        exits: [0, 1, 2],
        names: [basename(f), "VRAMGATE_MAX_TRACE_MIB"],
        ...(env ? { env } : {}),
      });
    }
  }
  return cases;
}

/** Filesystem faults on every reader and writer (a fixed list). */
function faultCases(): Case[] {
  const cases: Case[] = [];
  let id = 100_000;
  const dir = join(root, "faults");
  mkdirSync(dir);
  const file = join(dir, "a-file");
  writeFileSync(file, "not a folder\n");
  mkdirSync(join(dir, "a-folder.json"));
  execFileSync("mkfifo", [join(dir, "a-fifo")]);
  symlinkSync(join(dir, "loop-b"), join(dir, "loop-a"));
  symlinkSync(join(dir, "loop-a"), join(dir, "loop-b"));
  symlinkSync(join(dir, "nowhere"), join(dir, "dangling.json"));
  writeFileSync(join(dir, "empty.json"), "");
  writeFileSync(join(dir, "big.json"), " ".repeat(64 * 1024));
  const longName = `${"n".repeat(300)}.json`;
  // Longer than PATH_MAX (4096 bytes).
  const longPath = `${dir}/${Array.from({ length: 1500 }, () => "ddd").join("/")}/x.json`;

  // Readers: analyze, compare, bench SCENARIO, bench --baseline.
  const inputs: Array<[string, string, number[], Record<string, string>?]> = [
    ["a folder", join(dir, "a-folder.json"), [2]],
    ["a FIFO (would block on open)", join(dir, "a-fifo"), [2]],
    ["/dev/zero (never ends)", "/dev/zero", [2]],
    ["/dev/null", "/dev/null", [2]],
    ["a missing file", join(dir, "missing.json"), [2]],
    ["a path through a file", join(file, "x.json"), [2]],
    ["a name too long", join(dir, longName), [2]],
    ["a path too long", longPath, [2]],
    ["a symlink loop", join(dir, "loop-a"), [2]],
    ["a dangling symlink", join(dir, "dangling.json"), [2]],
    ["/proc/self/status", "/proc/self/status", [2]],
    ["/proc/self/mem (EIO)", "/proc/self/mem", [2, 3]],
    ["an empty file", join(dir, "empty.json"), [2]],
    [
      "over the size limit",
      join(dir, "big.json"),
      [2],
      { VRAMGATE_MAX_RESULTS_MIB: "0.01", VRAMGATE_MAX_SCENARIO_MIB: "0.01", VRAMGATE_MAX_TRACE_MIB: "0.01" },
    ],
  ];
  const namesOf = (p: string) => [p.length > 100 ? p.slice(-40) : p, basename(p).slice(0, 40), basename(p).slice(-40)];
  for (const [what, p, exits, env] of inputs) {
    const out = join(dir, `out-${id}`);
    const base = { cls: "fs:read", what, dir, out, exits, names: namesOf(p), ...(env ? { env } : {}) };
    cases.push({ ...base, id: id++, args: ["analyze", p] });
    cases.push({ ...base, id: id++, args: ["compare", p, GOOD_RESULTS] });
    cases.push({ ...base, id: id++, args: ["bench", p, "--out", out, ...SMALL] });
    cases.push({ ...base, id: id++, args: ["bench", VALID_SCENARIO, "--baseline", p, "--out", out, ...SMALL] });
  }

  // Writers: bench --out (fails at the first save, before any child starts), --junit
  // (refused before measuring), model --out.
  const ro = join(root, "ro");
  const full = join(root, "full");
  mkdirSync(ro);
  mkdirSync(full);
  const haveRo = tmpfs.mount(ro, "size=64k");
  if (haveRo) execFileSync("mount", ["-o", "remount,ro", ro], { stdio: "ignore" });
  const haveFull = tmpfs.mount(full, "size=64k");
  if (haveFull) {
    try {
      writeFileSync(join(full, "filler"), Buffer.alloc(256 * 1024));
    } catch {
      /* full */
    }
  }
  const outputs: Array<[string, string, number[]]> = [
    ["an existing file", file, [2]],
    ["a path through a file", join(file, "sub"), [2]],
    ["a name too long", join(dir, "n".repeat(300)), [2]],
    ["a path too long", longPath.replace(/x\.json$/, "o"), [2]],
    ["/proc", "/proc/vramgate-fuzz", [2, 3]],
    ["/dev/null", "/dev/null", [2]],
  ];
  if (haveRo) outputs.push(["a read-only filesystem", join(ro, "o"), [2]]);
  if (haveFull) outputs.push(["a full disk", join(full, "o"), [3]]);
  for (const [what, p, exits] of outputs) {
    const base = { cls: "fs:write", what, dir, exits, names: namesOf(p) };
    cases.push({ ...base, id: id++, out: p, args: ["bench", VALID_SCENARIO, "--out", p, ...SMALL] });
    const junitOut = join(dir, `jout-${id}`);
    if (what !== "a full disk")
      cases.push({
        ...base,
        id: id++,
        out: junitOut,
        args: [
          "bench",
          VALID_SCENARIO,
          "--junit",
          p.endsWith("null") ? p : join(p, "junit.xml"),
          "--out",
          junitOut,
          ...SMALL,
        ],
        exits: [2],
      });
    // (model --out over an existing file replaces it, as it should: not a fault.)
    if (what !== "an existing file")
      cases.push({
        ...base,
        id: id++,
        out: p,
        args: ["model", "resnet18", "--out", p === "/dev/null" ? p : join(p, "m.onnx")],
      });
  }
  if (haveFull)
    cases.push({
      cls: "fs:write",
      what: "a directory given to --junit on a full disk",
      dir,
      exits: [2],
      names: ["junit"],
      id: id++,
      out: join(dir, "jfull"),
      args: ["bench", VALID_SCENARIO, "--junit", full, "--out", join(dir, "jfull"), ...SMALL],
    });
  return cases;
}

describe(`fuzz (seed ${SEED})`, () => {
  it(`${CASES} generated cases and the filesystem-fault list end as documented`, { timeout: 1_200_000 }, async () => {
    const cases = [...generatedCases(), ...faultCases()];
    const failures: string[] = [];
    const byClass = new Map<string, Map<number, number>>();
    let ran = 0;
    const verbose = process.env.VRAMGATE_FUZZ_VERBOSE === "1";
    const say = (s: string) => {
      try {
        writeSync(2, s);
      } catch {
        /* EAGAIN on a busy pipe: progress lines are optional */
      }
    };
    for (const c of cases) {
      if (verbose) say(`case ${c.id} [${c.cls}] ${c.what.slice(0, 80)}: ${c.args.join(" ").slice(0, 160)}\n`);
      const { result, problems } = await runCase(c);
      if (verbose)
        say(
          `  → exit ${result.code} in ${Math.round(result.ms)} ms${problems.length ? `: ${problems.join("; ")}` : ""}\n`,
        );
      ran++;
      const m = byClass.get(c.cls) ?? new Map<number, number>();
      m.set(result.code, (m.get(result.code) ?? 0) + 1);
      byClass.set(c.cls, m);
      if (problems.length) {
        failures.push(
          `case ${c.id} [${c.cls}] ${c.what}: vramgate ${c.args.map((a) => (a.length > 80 ? `${a.slice(0, 40)}…` : a)).join(" ")}\n    ${problems.join("; ")}\n    stderr: ${result.stderr.slice(0, 600)}`,
        );
      }
      if (result.timedOut) break; // a hung case keeps running in this process: stop here
    }
    const summary = [...byClass].map(
      ([cls, codes]) =>
        `${cls}: ${[...codes]
          .sort((a, b) => a[0] - b[0])
          .map(([code, n]) => `exit ${code} × ${n}`)
          .join(", ")}`,
    );
    console.log(`fuzz seed ${SEED}: ${ran} cases\n  ${summary.join("\n  ")}`);
    expect(failures, failures.join("\n")).toEqual([]);
    expect(ran).toBe(cases.length);
    expect(ran).toBeGreaterThanOrEqual(CASES + 50);
    // The generated classes all occurred.
    for (const cls of [
      "scenario",
      "results:analyze",
      "results:compare",
      "results:baseline",
      "csv",
      "fs:read",
      "fs:write",
    ])
      expect(byClass.has(cls), cls).toBe(true);
    // Nothing landed in the repository's default output folder.
    const strays = readdirSync(join(ROOT, "results")).filter((f) => f.includes(`-${NAME}.`) || f.includes(`-${NAME}-`));
    expect(strays).toEqual([]);
  });
});
