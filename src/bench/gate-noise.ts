/**
 * A/A noise of vramgate's gates: `npm run bench:gate-noise [-- --runs N --scenario FILE
 * --out DIR --iterations N --rounds N --from DIR]` (after `npm run build`).
 *
 * Runs one scenario N times with nothing changed (`vramgate bench`, each in a child process,
 * each into its own folder), then applies every gate to every run (as the run judged it:
 * the `gates` of its results file) and `compare` (plus the regression and memory-increase
 * gates) between consecutive runs. Every failure is a false failure, since nothing changed.
 * Prints per gate the false-failure rate with a 95 % Wilson interval, and from the spread
 * of the A/A changes the minimum detectable change for throughput and peak memory at a 1 %
 * false-failure rate. `--from DIR` judges the runs already in DIR (no new runs).
 *
 * Writes DIR/gate-noise.md (what it prints), DIR/gate-noise.json and DIR/runs.json (the
 * command, exit code, wall time and load average of every run).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { cpus, hostname, loadavg, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Table from "cli-table3";
import { mean, median, sampleStandardDeviation } from "simple-statistics";
import { compareResults, type Comparison } from "../analysis/compare.js";
import { evaluateGates } from "../analysis/gates.js";
import { normalQuantile } from "../analysis/stats/normal.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { readResultsFile } from "../results/read.js";
import type { ResultsFile } from "../results/types.js";
import type { GateOutcome } from "../results/verdicts.js";

/** The false-failure rate no default gate may exceed. */
export const MAX_FALSE_FAILURE = 0.01;

interface RunRecord {
  index: number;
  command: string[];
  exitCode: number | null;
  wallMs: number;
  loadBefore: number[];
  loadAfter: number[];
  results?: string;
}

interface Options {
  runs: number;
  scenario: string;
  out: string;
  iterations: number;
  rounds: number;
  from?: string;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const int = (name: string, fallback: number, min: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min) {
      process.stderr.write(`gate-noise: --${name}: expected an integer ≥ ${min}, found ${JSON.stringify(raw)}\n`);
      process.exit(2);
    }
    return v;
  };
  const from = get("from");
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const opts: Options = {
    runs: int("runs", 10, 2),
    scenario: get("scenario") ?? "scenarios/resnet.yaml",
    out: from ?? get("out") ?? join("results", "gate-noise", stamp),
    iterations: int("iterations", 20, 2),
    rounds: int("rounds", 4, 2),
  };
  if (from) opts.from = from;
  return opts;
}

/** The vramgate CLI next to this file (dist/cli/main.js from dist/bench/gate-noise.js). */
function cliPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = join(here, "..", "cli", "main.js");
  return existsSync(js) ? js : join(here, "..", "cli", "main.ts");
}

function runOnce(opts: Options, index: number): RunRecord {
  const dir = join(opts.out, `run-${String(index).padStart(3, "0")}`);
  const args = [
    cliPath(),
    "bench",
    opts.scenario,
    "--iterations",
    String(opts.iterations),
    "--rounds",
    String(opts.rounds),
    "--out",
    dir,
    "--no-traces",
    "--quiet",
  ];
  const loadBefore = loadavg();
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
  const rec: RunRecord = {
    index,
    command: ["node", ...args.map((a, i) => (i === 0 ? a.replace(`${process.cwd()}/`, "") : a))],
    exitCode: r.status,
    wallMs: Date.now() - t0,
    loadBefore,
    loadAfter: loadavg(),
  };
  const results = resultsIn(dir);
  if (results) rec.results = relative(opts.out, results);
  return rec;
}

function resultsIn(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir)
    .filter((f) => /\.json(\.gz)?$/.test(f))
    .sort();
  return files.length ? join(dir, files[files.length - 1]!) : undefined;
}

/** 95 % Wilson score interval of k successes in n trials. */
export function wilson(k: number, n: number, z = 1.959963984540054): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface GateRate {
  gate: string;
  /** What a trial is: a run (gates judged inside one run) or a pair of consecutive runs. */
  per: "run" | "pair";
  trials: number;
  failures: number;
  warnings: number;
  inconclusive: number;
  rate: number;
  ci: [number, number];
}

export interface NoiseSummary {
  runs: number;
  pairs: number;
  gates: GateRate[];
  /** Per strategy: spread of log(head ÷ base) of median items/s and of peak memory across pairs. */
  spread: {
    strategy: string;
    throughputSd: number;
    memorySd: number;
    /** Change a gate must tolerate for a 1 % false-failure rate (one-sided, normal). */
    throughputThreshold: number;
    memoryThreshold: number;
    /** Smallest true change found 80 % of the time by that threshold. */
    throughputMdc: number;
    memoryMdc: number;
    /** Median of compare's own detectable drop (from each pair's CI). */
    compareDetectableDrop?: number;
    /** Median within-run coefficient of variation of per-round items/s. */
    withinRunCv: number;
  }[];
}

function rateOf(gate: string, per: "run" | "pair", statuses: string[][]): GateRate {
  const trials = statuses.length;
  const failures = statuses.filter((s) => s.includes("fail")).length;
  // One outcome per trial, the worst of its statuses: fail > inconclusive > warn > pass.
  const inconclusive = statuses.filter((s) => !s.includes("fail") && s.includes("inconclusive")).length;
  const warnings = statuses.filter(
    (s) => !s.includes("fail") && !s.includes("inconclusive") && s.includes("warn"),
  ).length;
  return {
    gate,
    per,
    trials,
    failures,
    warnings,
    inconclusive,
    rate: trials ? failures / trials : 0,
    ci: wilson(failures, trials),
  };
}

/** Sample standard deviation; NaN under two values. */
function sd(xs: number[]): number {
  return xs.length < 2 ? Number.NaN : sampleStandardDeviation(xs);
}

function cv(xs: number[]): number {
  const m = xs.length ? mean(xs) : Number.NaN;
  return m > 0 ? sd(xs) / m : Number.NaN;
}

/** A gate outcome's status, with a warning that says it is inconclusive counted as such. */
function statusOf(o: GateOutcome): string {
  return o.status === "warn" && o.message.includes("inconclusive:") ? "inconclusive" : o.status;
}

/** Judge a sequence of unchanged runs (oldest first). */
export function summarize(files: ResultsFile[]): NoiseSummary {
  const byGate = new Map<string, string[][]>();
  const push = (gate: string, statuses: string[]): void => {
    const list = byGate.get(gate) ?? [];
    list.push(statuses);
    byGate.set(gate, list);
  };
  for (const f of files) {
    // Judged again with this vramgate's rules (the verdicts stored in the file are kept), so
    // a changed gate is re-measured on the same runs.
    const seen = new Map<string, string[]>();
    for (const g of evaluateGates(f)) {
      if (g.gate === "regression" || g.gate === "memory-increase") continue;
      seen.set(g.gate, [...(seen.get(g.gate) ?? []), statusOf(g)]);
    }
    for (const [gate, statuses] of seen) push(gate, statuses);
  }
  const comparisons: Comparison[] = [];
  for (let i = 1; i < files.length; i++) {
    const base = files[i - 1]!;
    const head = files[i]!;
    const c = compareResults(base, head, { force: true });
    comparisons.push(c);
    const claims = c.strategies.map((s) =>
      s.throughput.claim === "regression" || s.peakMemory.claim === "increase"
        ? "fail"
        : s.throughput.claim === "inconclusive"
          ? "inconclusive"
          : "pass",
    );
    push("compare", claims);
    const outcomes = evaluateGates(head, { comparison: c });
    for (const gate of ["regression", "memory-increase"]) {
      push(gate, outcomes.filter((o) => o.gate === gate).map(statusOf));
    }
  }
  const gates = [...byGate].map(([gate, statuses]) =>
    rateOf(gate, gate === "compare" || gate === "regression" || gate === "memory-increase" ? "pair" : "run", statuses),
  );

  const zAlpha = normalQuantile(1 - MAX_FALSE_FAILURE);
  const zPower = normalQuantile(0.8);
  const names = [...new Set(comparisons.flatMap((c) => c.strategies.map((s) => s.strategy)))];
  const spread = names.map((strategy) => {
    const thr: number[] = [];
    const mem: number[] = [];
    const drops: number[] = [];
    for (const c of comparisons) {
      const s = c.strategies.find((x) => x.strategy === strategy);
      if (!s) continue;
      if (s.throughput.ratio !== undefined && s.throughput.ratio > 0) thr.push(Math.log(s.throughput.ratio));
      if (s.peakMemory.ratio !== undefined && s.peakMemory.ratio > 0) mem.push(Math.log(s.peakMemory.ratio));
      if (s.throughput.detectable) drops.push(s.throughput.detectable.drop);
    }
    const cvs: number[] = [];
    for (const f of files)
      for (const r of f.runs)
        for (const s of r.strategies)
          if (s.strategy === strategy && s.rounds.length >= 2) cvs.push(cv(s.rounds.map((x) => x.itemsPerSecond)));
    const ts = sd(thr);
    const ms = sd(mem);
    const entry: NoiseSummary["spread"][number] = {
      strategy,
      throughputSd: ts,
      memorySd: ms,
      throughputThreshold: 1 - Math.exp(-zAlpha * ts),
      memoryThreshold: Math.exp(zAlpha * ms) - 1,
      throughputMdc: 1 - Math.exp(-(zAlpha + zPower) * ts),
      memoryMdc: Math.exp((zAlpha + zPower) * ms) - 1,
      withinRunCv: cvs.length ? median(cvs) : Number.NaN,
    };
    if (drops.length) entry.compareDetectableDrop = median(drops);
    return entry;
  });
  return { runs: files.length, pairs: comparisons.length, gates, spread };
}

const pct = (x: number, digits = 1): string => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : "n/a");

export function formatSummary(s: NoiseSummary): string {
  const plain = { style: { head: [], border: [], compact: true } };
  const t = new Table({
    head: [
      "gate",
      "per",
      "trials",
      "fail",
      "warn",
      "inconcl.",
      "false-failure rate [95% CI]",
      `≤ ${pct(MAX_FALSE_FAILURE, 0)}?`,
    ],
    ...plain,
  });
  for (const g of s.gates)
    t.push([
      g.gate,
      g.per,
      g.trials,
      g.failures,
      g.warnings,
      g.inconclusive,
      `${pct(g.rate)} [${pct(g.ci[0])}, ${pct(g.ci[1])}]`,
      g.rate <= MAX_FALSE_FAILURE ? "yes" : "NO",
    ]);
  const m = new Table({
    head: [
      "strategy",
      "within-run CV",
      "A/A sd thr",
      "thr gate for 1 %",
      "thr MDC (80 %)",
      "compare's detectable drop",
      "A/A sd mem",
      "mem gate for 1 %",
      "mem MDC (80 %)",
    ],
    ...plain,
  });
  for (const x of s.spread)
    m.push([
      x.strategy,
      pct(x.withinRunCv),
      pct(x.throughputSd),
      `−${pct(x.throughputThreshold)}`,
      `−${pct(x.throughputMdc)}`,
      x.compareDetectableDrop !== undefined ? `−${pct(x.compareDetectableDrop)} (median)` : "n/a",
      pct(x.memorySd, 2),
      `+${pct(x.memoryThreshold, 2)}`,
      `+${pct(x.memoryMdc, 2)}`,
    ]);
  return [
    `${s.runs} unchanged runs, ${s.pairs} consecutive pairs. Every failure below is a false failure.`,
    t.toString(),
    "",
    "Minimum detectable change (between runs; sd of log ratios over the A/A pairs, normal model):",
    "a gate tolerating the 'gate for 1 %' change fails 1 % of unchanged pairs; it then finds a true",
    "change of the 'MDC' size 80 % of the time.",
    m.toString(),
  ].join("\n");
}

function machine(): string {
  const c = cpus();
  return `${hostname()}: ${c.length} × ${c[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`;
}

interface Manifest {
  started: string;
  finished?: string;
  machine: string;
  node: string;
  vramgateCommit?: string;
  options: Options;
  runs: RunRecord[];
}

function gitHead(): string | undefined {
  const r = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() || undefined : undefined;
}

/** Whether other work shared the machine, from the load averages recorded around the runs. */
function busyNote(records: RunRecord[], machineText: string): string {
  const loads = records.flatMap((r) => [r.loadBefore[0], r.loadAfter[0]]).filter((x): x is number => x !== undefined);
  if (!loads.length) return "";
  // The cores of the machine the runs were made on (machine() writes "host: N × CPU, …").
  const cores = Number(/: (\d+) ×/.exec(machineText)?.[1] ?? cpus().length);
  const max = Math.max(...loads);
  return max >= cores
    ? ` — busy: the load average reached ${max.toFixed(1)} on ${cores} cores, so other work ran beside these runs and the spread below includes it`
    : ` — the load average stayed under the ${cores} cores (peak ${max.toFixed(1)})`;
}

function commandLine(o: Options): string {
  return `npm run bench:gate-noise -- --runs ${o.runs} --scenario ${o.scenario} --iterations ${o.iterations} --rounds ${o.rounds} --out ${o.out}`;
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true });
  const manifestPath = join(out, "runs.json");
  let manifest: Manifest | undefined;
  if (!opts.from) {
    manifest = {
      started: new Date().toISOString(),
      machine: machine(),
      node: process.version,
      options: opts,
      runs: [],
    };
    const head = gitHead();
    if (head) manifest.vramgateCommit = head;
    process.stdout.write(
      `gate-noise: ${opts.runs} unchanged runs of ${opts.scenario} (--iterations ${opts.iterations} --rounds ${opts.rounds}) into ${out}\n` +
        `machine: ${machine()}; load average ${loadavg()
          .map((x) => x.toFixed(2))
          .join(" ")} on ${cpus().length} cores\n`,
    );
    for (let i = 1; i <= opts.runs; i++) {
      const rec = runOnce(opts, i);
      manifest.runs.push(rec);
      if (i === opts.runs) manifest.finished = new Date().toISOString();
      writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 1));
      process.stdout.write(
        `  run ${i}/${opts.runs}: exit ${rec.exitCode}, ${(rec.wallMs / 1000).toFixed(0)} s, load ${rec.loadAfter[0]!.toFixed(2)}\n`,
      );
    }
  } else if (existsSync(manifestPath)) {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  }
  const records = manifest?.runs ?? [];
  // The results files: each run's folder, in run order (a run that wrote none is left out).
  const files: ResultsFile[] = [];
  for (const d of readdirSync(out)
    .filter((x) => /^run-\d+$/.test(x))
    .sort()) {
    const r = resultsIn(join(out, d));
    if (!r) continue;
    const f = readResultsFile(r);
    // A run still going (or cut short) has no verdicts to judge yet.
    if (f.state === "completed" && f.finishedAt) files.push(f);
  }
  const summary = summarize(files);
  const header: string[] = [];
  if (manifest) {
    const last = records[records.length - 1];
    header.push(
      `command: ${commandLine(manifest.options)}`,
      `runs: ${manifest.started} → ${manifest.finished ?? (last ? "(unfinished)" : "")}, vramgate ${manifest.vramgateCommit ?? "(commit unknown)"}, node ${manifest.node ?? "?"}`,
      `machine: ${manifest.machine}${busyNote(records, manifest.machine)}`,
    );
  }
  if (opts.from)
    header.push(
      `judged: ${new Date().toISOString()} (--from ${opts.from}) with vramgate ${gitHead() ?? "(commit unknown)"}`,
    );
  const exits = records.map((r) => r.exitCode);
  const exitLine = exits.length
    ? `bench exit codes (as each run judged itself, with the rules of its time): ${[...new Set(exits)].map((e) => `${e}: ${exits.filter((x) => x === e).length}`).join(", ")}`
    : "";
  const loads = records.flatMap((r) => [r.loadBefore[0], r.loadAfter[0]]).filter((x): x is number => x !== undefined);
  const walls = records.map((r) => r.wallMs / 1000);
  const loadLine = loads.length
    ? `load average (1 min) around the runs: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}; a run took ${Math.min(...walls).toFixed(0)}–${Math.max(...walls).toFixed(0)} s`
    : "";
  const note = `With ${summary.pairs} pairs, 0 failures bounds the false-failure rate only below ${pct(wilson(0, summary.pairs)[1])} (95 %); showing ≤ 1 % with 0 failures needs ~370 pairs.`;
  const text = [...header, "", formatSummary(summary), "", note, exitLine, loadLine]
    .filter((x) => x !== undefined)
    .join("\n");
  process.stdout.write(`${text}\n`);
  writeFileAtomic(join(out, "gate-noise.md"), `\`\`\`\n${text}\n\`\`\`\n`);
  writeFileAtomic(
    join(out, "gate-noise.json"),
    JSON.stringify(
      { manifest: manifest ? { ...manifest, runs: undefined } : undefined, summary },
      (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
      1,
    ),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
