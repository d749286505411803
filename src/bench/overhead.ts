/**
 * vramgate's own overhead: `npm run bench:overhead` (after `npm run build`). Options:
 *   --rounds N      interleaved rounds per comparison (default 12; the first is warm-up, not counted)
 *   --round-s S     target seconds per contender per round (default 1)
 *   --call-ms MS    the process workers' call length (default 1)
 *   --only LIST     comma-separated sections: process, ort, micro (default all)
 *   --out FILE      also write the figures as JSON
 *
 * Side by side in one run, interleaved (the order rotates every round), each vramgate path
 * against the same work in a bare loop:
 *   process  the process engine (protocol 2 batches, and protocol 1 for reference) with the
 *            Python helper worker and with the Node worker, at a ~1 ms call, against the
 *            same call in a bare loop in the worker's own language (a warm process that
 *            times its own loop);
 *   ort      the onnxruntime engine against a bare `await session.run(feeds)` loop, on the
 *            default scenario's model and shapes (scenarios/resnet.yaml);
 *   micro    (tinybench) the JS driver's fixed cost per call with an engine that does nothing.
 * Each section also runs its bare loop with the sampler watching it ("+ sampler"): what
 * sampling alone does to the workload, apart from the harness.
 * vramgate's side runs as in a real run: the JS driver (src/run/drivers.ts) with the memory
 * sampler watching the engine's process at the scenario's 1 ms interval, and every mark
 * batch serialised as for IPC. Throughput is calls per wall-clock second of the whole run of
 * calls (not the sum of per-call marks). Ratios are vramgate ÷ bare per round, summarised by
 * their median with a percentile-bootstrap 95 % CI over rounds. The sampler thread's CPU
 * share is its CPU time (/proc/self/task/TID/schedstat) over the wall time of the runs it
 * watched, in % of one core.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Bench } from "tinybench";
import { bootstrapMedianCi } from "../analysis/stats/bootstrap.js";
import type { BatchMode, BatchTimes, EngineInit, ShapeMap } from "../engines/contract.js";
import { EngineLifecycle } from "../engines/lifecycle.js";
import { createProcessEngine } from "../engines/process/engine.js";
import type { ProcessOptions } from "../engines/process/section.js";
import { seededInput } from "../engines/onnxruntime/engine.js";
import { engineDescriptor } from "../engines/registry.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { ensureModel } from "../models/cache.js";
import { loadAddon } from "../native/binding.js";
import { engineInit } from "../run/create-driver.js";
import { JsDriver } from "../run/drivers.js";
import type { MarkBatch } from "../run/protocol.js";
import { monotonicNs } from "../run/strategy-loop.js";
import { expandScenario } from "../scenarios/expand.js";
import { loadScenario } from "../scenarios/parse.js";
import { shapeAt } from "../scenarios/sequence.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EXAMPLE_DIR = path.join(ROOT, "examples/overhead");
const NODE_WORKER = path.join(ROOT, "test/fixtures/workers/node_worker.mjs");

const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: "12" },
    "round-s": { type: "string", default: "1" },
    "call-ms": { type: "string", default: "1" },
    only: { type: "string", default: "process,ort,micro" },
    out: { type: "string" },
  },
});

function positive(name: string, raw: string | undefined): number {
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`vramgate bench:overhead: --${name} expects a positive number, got "${raw}"`);
    process.exit(2);
  }
  return v;
}
const ROUNDS = Math.max(3, Math.round(positive("rounds", opts.rounds)));
const ROUND_S = positive("round-s", opts["round-s"]);
const CALL_MS = positive("call-ms", opts["call-ms"]);
const SECTIONS = new Set(opts.only.split(",").map((s) => s.trim()));

// ---------------------------------------------------------------------------------------
// The sampler, as a run uses it, and its thread's CPU time.

function taskIds(): Set<number> {
  return new Set(readdirSync("/proc/self/task").map(Number));
}

/** CPU time of one of our threads, ns: schedstat's first field, else utime + stime ticks. */
function threadCpuNs(tid: number): number {
  try {
    return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]);
  } catch {
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 1e7; // USER_HZ = 100
  }
}

interface SamplerUse {
  cpuNs: number;
  wallNs: number;
  samples: number;
}

class SamplerProbe {
  private readonly addon = loadAddon();
  private readonly sampler = this.addon
    ? new this.addon.Sampler({ intervalMs: 1, device: 0, capacity: 1 << 16 })
    : null;
  readonly backend = this.sampler ? "native" : "none (the addon did not load: no sampler ran)";
  private tid = -1;
  private cpu0 = 0;
  private wall0 = 0;

  start(pids: number[]): void {
    if (!this.sampler) return;
    this.sampler.setPids(pids);
    const before = taskIds();
    this.sampler.start();
    this.tid = [...taskIds()].find((t) => !before.has(t)) ?? -1;
    this.cpu0 = this.tid > 0 ? threadCpuNs(this.tid) : Number.NaN;
    this.wall0 = monotonicNs();
  }

  /** Stops it; the samples are drained (a run moves them to its trace) and counted. */
  stop(): SamplerUse | undefined {
    if (!this.sampler) return undefined;
    const cpuNs = this.tid > 0 ? threadCpuNs(this.tid) - this.cpu0 : Number.NaN;
    const wallNs = monotonicNs() - this.wall0;
    this.sampler.stop();
    const samples = this.sampler.drain().tNs.length;
    return { cpuNs, wallNs, samples };
  }
}

// ---------------------------------------------------------------------------------------
// Contenders and interleaved rounds.

interface Contender {
  name: string;
  /** The bare loop this contender is compared with (undefined: it is a bare loop). */
  vs?: string;
  /** The same bare loop with the sampler watching it: the harness's cost apart from sampling's. */
  vsSampled?: string;
  /** Runs n calls of round r; resolves with the wall time in ns and the sampler's use. */
  run(n: number, r: number): Promise<{ wallNs: number; sampler?: SamplerUse }>;
}

interface ContenderResult {
  name: string;
  vs?: string;
  callsPerRound: number;
  /** Calls per second, per counted round. */
  throughput: number[];
  ratio?: { median: number; ci: [number, number]; perRound: number[] };
  /** ÷ the bare loop run with the sampler watching it. */
  ratioVsSampled?: { median: number; ci: [number, number]; perRound: number[] };
  samplerCpuSharePct?: number;
  samplerHz?: number;
}

async function interleaved(
  title: string,
  contenders: Contender[],
  callsPerRound: number,
  rounds: number,
): Promise<ContenderResult[]> {
  const wall = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const use = new Map<string, SamplerUse[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    // Rotate the order every round (A B C, B C A, …), reversed on odd passes.
    const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]!);
    if (Math.floor(r / contenders.length) % 2 === 1) order.reverse();
    for (const c of order) {
      const res = await c.run(callsPerRound, r);
      if (r === 0) continue; // warm-up round
      wall.get(c.name)!.push(res.wallNs);
      if (res.sampler) use.get(c.name)!.push(res.sampler);
    }
    process.stderr.write(`  ${title}: round ${r + 1}/${rounds}${r === 0 ? " (warm-up)" : ""}\n`);
  }
  return contenders.map((c) => {
    const w = wall.get(c.name)!;
    const out: ContenderResult = {
      name: c.name,
      callsPerRound,
      throughput: w.map((ns) => callsPerRound / (ns / 1e9)),
    };
    if (c.vs !== undefined) {
      const base = wall.get(c.vs)!;
      const perRound = w.map((ns, i) => base[i]! / ns);
      const ci = bootstrapMedianCi(perRound, { seed: 0x0e7 });
      out.vs = c.vs;
      out.ratio = { median: ci.estimate, ci: ci.ci, perRound };
    }
    if (c.vsSampled !== undefined) {
      const base = wall.get(c.vsSampled)!;
      const perRound = w.map((ns, i) => base[i]! / ns);
      const ci = bootstrapMedianCi(perRound, { seed: 0x0e8 });
      out.ratioVsSampled = { median: ci.estimate, ci: ci.ci, perRound };
    }
    const u = use.get(c.name)!;
    if (u.length) {
      const cpu = u.reduce((a, b) => a + b.cpuNs, 0);
      const wallNs = u.reduce((a, b) => a + b.wallNs, 0);
      out.samplerCpuSharePct = (100 * cpu) / wallNs;
      out.samplerHz = u.reduce((a, b) => a + b.samples, 0) / (wallNs / 1e9);
    }
    return out;
  });
}

/** A long-lived bare loop process answering one line per command line. */
class LineProcess {
  private readonly child: ChildProcess;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  constructor(argv: string[], cwd: string) {
    // detached, as the process engine starts its worker: each in its own session, so with
    // sched_autogroup both get the same share of a busy machine's CPUs.
    this.child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ["pipe", "pipe", "inherit"], detached: true });
    this.lines = createInterface({ input: this.child.stdout! });
    this.lines.on("line", (l) => this.waiting.shift()?.(l));
  }
  get pid(): number {
    return this.child.pid ?? -1;
  }
  ask(line: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin!.write(`${line}\n`);
    });
  }
  close(): void {
    this.child.stdin!.end();
  }
}

/** Serialises a mark batch as child → parent IPC does (JSON), so its cost counts. */
function onMarks(b: MarkBatch): void {
  JSON.stringify({ type: "marks", batch: b });
}

function processInit(command: string[], env: Record<string, string>): EngineInit<ProcessOptions> {
  return {
    strategy: "persistent",
    precision: "fp32",
    modelPath: "",
    inputs: { input: { min: [1], opt: [1], max: [1], dtype: "float32" } },
    seed: 1,
    device: 0,
    section: { command, env },
    source: { name: "bench-overhead", file: path.join(EXAMPLE_DIR, "overhead.yaml") },
    watchdogS: 60,
  };
}

/** A vramgate process-engine contender: persistent strategy, through the JS driver, sampled. */
async function processContender(
  name: string,
  vs: string,
  vsSampled: string,
  command: string[],
  env: Record<string, string>,
  maxProtocol: 1 | 2,
  probe: SamplerProbe,
  cleanup: (() => Promise<void>)[],
): Promise<Contender> {
  const engine = createProcessEngine(processInit(command, env), { stderr: "quiet", maxProtocol });
  const driver = new JsDriver(engine, "persistent");
  await driver.load();
  cleanup.push(() => driver.close());
  let next = 0;
  const shape: ShapeMap = { input: [1] };
  return {
    name: `${name} (protocol ${engine.protocol()})`,
    vs,
    vsSampled,
    async run(n) {
      const shapes = Array.from({ length: n }, () => shape);
      probe.start(engine.extraPids());
      const t0 = monotonicNs();
      await driver.runCalls(shapes, next, onMarks);
      const wallNs = monotonicNs() - t0;
      const sampler = probe.stop();
      next += n;
      return sampler ? { wallNs, sampler } : { wallNs };
    },
  };
}

/** The bare loop with the sampler watching it: what sampling alone does to the workload. */
function sampledBare(
  name: string,
  vs: string,
  bare: LineProcess,
  probe: SamplerProbe,
  command: (n: number) => string,
): Contender {
  return {
    name,
    vs,
    async run(n) {
      probe.start([bare.pid]);
      const wallNs = Number(await bare.ask(command(n)));
      const sampler = probe.stop();
      return sampler ? { wallNs, sampler } : { wallNs };
    },
  };
}

async function calibrate(bare: LineProcess, cmd: (iters: number, n: number) => string, guess: number): Promise<number> {
  let iters = guess;
  for (let k = 0; k < 4; k++) {
    const n = 50;
    const times: number[] = [];
    for (let j = 0; j < 3; j++) times.push(Number(await bare.ask(cmd(iters, n))) / n);
    const perCallMs = Math.min(...times) / 1e6;
    iters = Math.max(1, Math.round((iters * CALL_MS) / perCallMs));
  }
  return iters;
}

async function processSection(probe: SamplerProbe): Promise<{ results: ContenderResult[]; notes: string[] }> {
  const cleanup: (() => Promise<void>)[] = [];
  const notes: string[] = [];
  const results: ContenderResult[] = [];
  try {
    // Python: the helper worker vs the same call in a bare Python loop.
    const pyBare = new LineProcess(["python3", path.join(EXAMPLE_DIR, "bare_loop.py")], EXAMPLE_DIR);
    cleanup.push(async () => pyBare.close());
    const pyIters = await calibrate(pyBare, (i, n) => `${i} ${n}`, 20_000);
    notes.push(`python call: ${pyIters} iterations of examples/overhead/work.py ≈ ${CALL_MS} ms`);
    const pyEnv = { VRAMGATE_OVERHEAD_ITERS: String(pyIters) };
    const pyCommand = ["python3", path.join(EXAMPLE_DIR, "worker.py")];
    const nodeBare = new LineProcess([process.execPath, path.join(EXAMPLE_DIR, "bare_loop.mjs")], EXAMPLE_DIR);
    cleanup.push(async () => nodeBare.close());
    const nodeIters = await calibrate(nodeBare, (i, n) => `${i} ${n} 1`, 500_000);
    notes.push(`node call: SHA-256 of ${nodeIters} bytes ≈ ${CALL_MS} ms`);
    const nodeEnv = { NODE_WORKER_WORK_BYTES: String(nodeIters), NODE_WORKER_RETAIN: "0" };
    const nodeCommand = [process.execPath, NODE_WORKER];
    const calls = Math.max(20, Math.round((ROUND_S * 1000) / CALL_MS));

    const pyBareName = "python bare loop";
    const nodeBareName = "node bare loop";
    const contenders: Contender[] = [
      {
        name: pyBareName,
        run: async (n) => ({ wallNs: Number(await pyBare.ask(`${pyIters} ${n}`)) }),
      },
      sampledBare(`${pyBareName} + sampler`, pyBareName, pyBare, probe, (n) => `${pyIters} ${n}`),
      await processContender(
        "python helper worker",
        pyBareName,
        `${pyBareName} + sampler`,
        pyCommand,
        pyEnv,
        2,
        probe,
        cleanup,
      ),
      await processContender(
        "python helper worker",
        pyBareName,
        `${pyBareName} + sampler`,
        pyCommand,
        pyEnv,
        1,
        probe,
        cleanup,
      ),
      {
        name: nodeBareName,
        run: async (n) => ({ wallNs: Number(await nodeBare.ask(`${nodeIters} ${n} 1`)) }),
      },
      sampledBare(`${nodeBareName} + sampler`, nodeBareName, nodeBare, probe, (n) => `${nodeIters} ${n} 1`),
      await processContender(
        "node worker",
        nodeBareName,
        `${nodeBareName} + sampler`,
        nodeCommand,
        nodeEnv,
        2,
        probe,
        cleanup,
      ),
      await processContender(
        "node worker",
        nodeBareName,
        `${nodeBareName} + sampler`,
        nodeCommand,
        nodeEnv,
        1,
        probe,
        cleanup,
      ),
    ];
    results.push(...(await interleaved("process", contenders, calls, ROUNDS)));
  } finally {
    for (const c of cleanup.reverse()) await c();
  }
  return { results, notes };
}

// ---------------------------------------------------------------------------------------
// ONNX Runtime on the default scenario.

async function ortSection(probe: SamplerProbe): Promise<{ results: ContenderResult[]; notes: string[] }> {
  const scenario = await loadScenario(path.join(ROOT, "scenarios/resnet.yaml"));
  const run = expandScenario(scenario)[0]!;
  if (scenario.model.kind !== "generate") throw new Error("scenarios/resnet.yaml should generate its model");
  const model = await ensureModel({ arch: scenario.model.arch, seed: scenario.model.seed, dtype: "float32" });
  const desc = engineDescriptor("onnxruntime");
  if (desc.host.kind !== "js") throw new Error("onnxruntime is a JS engine");
  const engine = await desc.host.create(engineInit(scenario, "fp32", "persistent", model.path) as never);
  const driver = new JsDriver(engine, "persistent");
  await driver.load();

  const ort = await import("onnxruntime-node");
  const section = scenario.onnxruntime;
  const session = await ort.InferenceSession.create(model.path, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
    ...(section.intraOpThreads !== undefined ? { intraOpNumThreads: section.intraOpThreads } : {}),
    ...(section.interOpThreads !== undefined ? { interOpNumThreads: section.interOpThreads } : {}),
  });
  const inputName = Object.keys(scenario.profile)[0]!;
  // The very values the engine feeds (its seeded generator, full buffer then a view, as the
  // engine does): input data can change a CPU's speed (denormals).
  const tensors = new Map<string, InstanceType<typeof ort.Tensor>>();
  const tensorFor = (dims: number[]) => {
    const key = dims.join("x");
    let t = tensors.get(key);
    if (!t) {
      const count = dims.reduce((a, b) => a * b, 1);
      const data = seededInput(scenario.profile[inputName]!, count, scenario.run.seed, inputName);
      if (!(data instanceof Float32Array)) throw new Error("the default scenario's input is float32");
      t = new ort.Tensor("float32", data, dims);
      tensors.set(key, t);
    }
    return t;
  };
  // Calls per round from one timed call of the opt shape.
  await session.run({ [inputName]: tensorFor(scenario.profile[inputName]!.opt) });
  const t = monotonicNs();
  for (let i = 0; i < 3; i++) await session.run({ [inputName]: tensorFor(scenario.profile[inputName]!.opt) });
  const callMs = (monotonicNs() - t) / 3 / 1e6;
  const calls = Math.max(4, Math.round((ROUND_S * 1000) / callMs));
  const total = calls * ROUNDS;
  const shapesOf = (r: number) => Array.from({ length: calls }, (_, k) => shapeAt(run, r * calls + k, total));
  let next = 0;
  const bareName = "bare session.run loop";
  const bareRun = async (r: number, sampled: boolean) => {
    const feeds = shapesOf(r).map((s) => ({ [inputName]: tensorFor(s[inputName]!) }));
    if (sampled) probe.start([process.pid]);
    const t0 = monotonicNs();
    for (const f of feeds) await session.run(f);
    const wallNs = monotonicNs() - t0;
    const sampler = sampled ? probe.stop() : undefined;
    return sampler ? { wallNs, sampler } : { wallNs };
  };
  const contenders: Contender[] = [
    { name: bareName, run: (_n, r) => bareRun(r, false) },
    { name: `${bareName} + sampler`, vs: bareName, run: (_n, r) => bareRun(r, true) },
    {
      name: "onnxruntime engine (persistent)",
      vs: bareName,
      vsSampled: `${bareName} + sampler`,
      async run(n, r) {
        const shapes = shapesOf(r);
        probe.start([process.pid]);
        const t0 = monotonicNs();
        await driver.runCalls(shapes, next, onMarks);
        const wallNs = monotonicNs() - t0;
        const sampler = probe.stop();
        next += n;
        return sampler ? { wallNs, sampler } : { wallNs };
      },
    },
  ];
  const results = await interleaved("ort", contenders, calls, ROUNDS);
  await session.release();
  await driver.close();
  return {
    results,
    notes: [
      `model: ${path.relative(ROOT, model.path)} (scenarios/resnet.yaml: ${scenario.model.arch}, random batch 1-4 at 160x160, intraOpThreads ${section.intraOpThreads ?? "default"}); ~${callMs.toFixed(1)} ms per call at the opt shape`,
    ],
  };
}

// ---------------------------------------------------------------------------------------
// The JS driver's own fixed cost per call (tinybench).

class NoopEngine extends EngineLifecycle {
  readonly name = "noop";
  constructor(private readonly batches: boolean) {
    super();
  }
  versions(): Record<string, string> {
    return {};
  }
  protected async loadImpl(): Promise<void> {}
  protected async activateImpl(): Promise<void> {}
  protected async inferImpl(): Promise<void> {}
  protected async deactivateImpl(): Promise<void> {}
  protected async closeImpl(): Promise<void> {}
  override canBatch(): boolean {
    return this.batches;
  }
  protected override async inferBatchImpl(shapes: ShapeMap[], _mode: BatchMode): Promise<BatchTimes> {
    const startNs: number[] = [];
    const endNs: number[] = [];
    for (let k = 0; k < shapes.length; k++) {
      const t0 = process.hrtime.bigint();
      await this.inferImpl();
      startNs.push(Number(t0));
      endNs.push(Number(process.hrtime.bigint()));
    }
    return { startNs, endNs };
  }
}

async function microSection(): Promise<{ rows: { name: string; nsPerCall: number; rme: number }[] }> {
  const CALLS = 1000;
  const shapes: ShapeMap[] = Array.from({ length: CALLS }, () => ({ input: [1, 3, 160, 160] }));
  const batched = new JsDriver(new NoopEngine(true), "persistent");
  const single = new JsDriver(new NoopEngine(false), "persistent");
  await batched.load();
  await single.load();
  const noop = async () => {};
  let next = 0;
  const bench = new Bench({ name: "JS driver fixed cost", time: 1500, warmup: true });
  bench
    .add(`bare: ${CALLS} × await noop()`, async () => {
      for (let k = 0; k < CALLS; k++) await noop();
    })
    .add(`JsDriver.runCalls, engine batches (inferBatch): ${CALLS} calls`, async () => {
      await batched.runCalls(shapes, next, onMarks);
      next += CALLS;
    })
    .add(`JsDriver.runCalls, call by call: ${CALLS} calls`, async () => {
      await single.runCalls(shapes, next, onMarks);
      next += CALLS;
    });
  await bench.run();
  return {
    rows: bench.tasks.map((t) => {
      const r = t.result as { latency?: { mean: number; rme: number } } | undefined;
      const meanMs = r?.latency?.mean ?? Number.NaN;
      return { name: t.name, nsPerCall: (meanMs * 1e6) / CALLS, rme: r?.latency?.rme ?? Number.NaN };
    }),
  };
}

// ---------------------------------------------------------------------------------------

function fmtRatio(ratio: ContenderResult["ratio"]): string {
  if (!ratio) return "";
  const { median, ci } = ratio;
  return `${median.toFixed(3)} [${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]`;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function printTable(title: string, rows: ContenderResult[]): void {
  console.log(`\n${title}`);
  console.log(
    `  ${"contender".padEnd(36)} ${"calls/s".padStart(8)}  ${"÷ bare [95% CI]".padEnd(22)} ${"≥0.99".padEnd(5)} ${"÷ bare+sampler".padEnd(22)} sampler thread CPU`,
  );
  for (const r of rows) {
    const target = r.ratio ? (r.ratio.median >= 0.99 ? "yes" : "NO") : "";
    const share =
      r.samplerCpuSharePct !== undefined
        ? `${r.samplerCpuSharePct.toFixed(2)} % of a core, ${Math.round(r.samplerHz ?? 0)}/s`
        : "";
    console.log(
      `  ${r.name.padEnd(36)} ${median(r.throughput).toFixed(1).padStart(8)}  ${fmtRatio(r.ratio).padEnd(22)} ${target.padEnd(5)} ${fmtRatio(r.ratioVsSampled).padEnd(22)} ${share}`,
    );
  }
}

const probe = new SamplerProbe();
const started = new Date();
const output: Record<string, unknown> = {
  command: `npm run bench:overhead -- ${process.argv.slice(2).join(" ")}`.trim(),
  date: started.toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    loadAverageAtStart: os.loadavg(),
    node: process.versions.node,
    platform: `${os.platform()} ${os.release()}`,
  },
  rounds: ROUNDS,
  roundS: ROUND_S,
  callMs: CALL_MS,
  sampler: { backend: probe.backend, intervalMs: 1 },
};
console.log(
  `vramgate bench:overhead — ${started.toISOString()}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}; ${ROUNDS} interleaved rounds (the first is warm-up), ~${ROUND_S} s per contender per round`,
);
console.log(`sampler: ${probe.backend}, 1 ms interval, watching the engine's process during vramgate's runs`);

if (SECTIONS.has("process")) {
  const p = await processSection(probe);
  output.process = p;
  printTable(`process engine, ~${CALL_MS} ms/call worker, persistent (${p.notes.join("; ")})`, p.results);
}
if (SECTIONS.has("ort")) {
  const o = await ortSection(probe);
  output.ort = o;
  printTable(`onnxruntime engine vs bare session.run (${o.notes.join("; ")})`, o.results);
}
if (SECTIONS.has("micro")) {
  const m = await microSection();
  output.micro = m;
  console.log("\nJS driver fixed cost per call (tinybench, no-op engine, marks serialised as for IPC)");
  for (const r of m.rows)
    console.log(`  ${r.name.padEnd(62)} ${r.nsPerCall.toFixed(0).padStart(7)} ns/call ± ${r.rme.toFixed(1)} %`);
}
(output.machine as Record<string, unknown>).loadAverageAtEnd = os.loadavg();
if (opts.out) writeFileAtomic(opts.out, `${JSON.stringify(output, null, 2)}\n`, { what: "the overhead figures" });
process.exit(0);
