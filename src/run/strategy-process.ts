/**
 * The parent's handle on one strategy's child process: spawns it, samples its memory the
 * whole time, turns its marks into bounded series, and records how it ended. A child that
 * crashes, hangs, runs out of memory or throws never takes the parent down: the fault and
 * everything measured up to it end up in toResult().
 */
import { engineDescriptor } from "../engines/registry.js";
import type { AllocationTraceOutcome, AllocationTraceRequest } from "../engines/allocation-sites.js";
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import type { ScenarioRun, StrategyName } from "../scenarios/types.js";
import type { GpuAttribution, StrategyResult, StrategyState } from "../results/types.js";
import type { CallPhase, ChildMessage, ParentMessage } from "./protocol.js";
import { createSampler, type MemorySampler, type Samples } from "./memory-sampler.js";
import { Joiner, type IterationRecord } from "./joiner.js";
import { BlockSeriesBuilder } from "./block-series.js";
import { LatencyHistogram } from "./latency-histogram.js";
import { TraceWriter } from "./trace-writer.js";
import { timerDelayMs } from "../timers.js";
import { ShapeTracker } from "./shape-tracker.js";
import { checkPidNamespace, DeviceLevelFigures } from "./pid-namespace.js";
import { readRunGpu } from "./environment.js";
import { monotonicNs } from "./strategy-loop.js";

/** The child entry: compiled JS, or the TS source under tsx when run from source (tests, dev). */
function childEntry(): { path: string; execArgv: string[] } {
  const js = fileURLToPath(new URL("./child-main.js", import.meta.url));
  if (existsSync(js)) return { path: js, execArgv: [] };
  return { path: fileURLToPath(new URL("./child-main.ts", import.meta.url)), execArgv: ["--import", "tsx"] };
}
const PUMP_MS = 50;
/** The container PID check looks this many times, this far apart, before falling back. */
const PID_CHECKS = 4;
const PID_RECHECK_MS = 150;
const STDERR_TAIL = 4000;

export class StrategyFault extends Error {
  constructor(
    readonly state: Exclude<StrategyState, "completed" | "skipped">,
    message: string,
    readonly index?: number,
    readonly lastExchange?: string,
  ) {
    super(message);
  }
}

export interface StrategyProcessOptions {
  run: ScenarioRun;
  strategy: StrategyName;
  modelPath: string;
  /** Per-iteration CSV path, or undefined for none. */
  tracePath?: string;
  traceFileRelative?: string;
  /** Called for each resolved measured iteration (progress). */
  onProgress?: (measuredDone: number) => void;
  /**
   * The GPU of this run under `bench --gpus` (NVML index and UUID): sampled there, and the
   * child sees only it (CUDA_VISIBLE_DEVICES=UUID, device 0 to the engine).
   */
  gpu?: { index: number; uuid: string };
  /** PIDs NVML listed on the run's GPU when the run began: enables the container PID check. */
  listedAtRunStart?: readonly number[];
}

type Pending = { want: ChildMessage["type"]; resolve: (m: ChildMessage) => void; reject: (e: Error) => void };

export class StrategyProcess {
  readonly strategy: StrategyName;
  private child: ChildProcess | undefined;
  private readonly sampler: MemorySampler;
  private readonly joiner: Joiner;
  private readonly series = new BlockSeriesBuilder(1024);
  private readonly latency = new LatencyHistogram();
  private readonly shapeTracker = new ShapeTracker();
  /** Absolute index of the first replay call (calls from it on are not timed into rounds). */
  private replayFrom = Infinity;
  private replayed = 0;
  private trace: TraceWriter | undefined;
  private pending: Pending | undefined;
  private pump: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stderrTail = "";
  private fault: StrategyFault | undefined;
  private exited = false;
  private exitWaiters: Array<() => void> = [];

  /** Fixed once the engine has loaded (a process worker may declare it uses no GPU). */
  primarySignal: string;
  private readonly warmup: number;
  private firstMeasuredStartNs: number | undefined;
  private measured = 0;
  private lastIndex = -1;
  private roundCalls = 0;
  private roundBusyMs = 0;
  private readonly rounds: StrategyResult["rounds"] = [];
  private readonly peak: Record<string, number> = {};
  private startBytes: Record<string, number> = {};
  private readonly shapes = new Set<string>();
  private versions: Record<string, string> = {};
  private engineMemory: Record<string, number> | undefined;
  private residual: StrategyResult["residual"] | undefined;
  /** Processes the engine started (process workers), killed with the child. */
  private extraPids: number[] = [];
  private startedAt = Date.now();
  private endedAt: number | undefined;
  private state: StrategyState = "completed";
  /** NVML index sampled. */
  private readonly device: number;
  /** First device-used sample, taken before the child can have made a CUDA context. */
  private deviceBefore = Number.NaN;
  /** Set when NVML cannot see the child (container PID namespace): device-level figures. */
  private attribution: GpuAttribution | undefined;
  private deviceFigures: DeviceLevelFigures | undefined;

  constructor(private readonly opts: StrategyProcessOptions) {
    this.strategy = opts.strategy;
    const s = opts.run.scenario;
    this.warmup = s.run.warmup;
    this.device = opts.gpu?.index ?? s.memory.device;
    this.sampler = createSampler({ intervalMs: s.memory.intervalMs, device: this.device });
    // The engine says whether this run uses a GPU; "only the worker knows" counts as yes until it says.
    const gpuEngine = engineDescriptor(s.engine).usesGpu(s[s.engine]) !== false;
    this.primarySignal = this.sampler.hasGpu && gpuEngine ? "gpuProcessBytes" : "rssBytes";
    this.joiner = new Joiner(this.sampler.hasGpu ? ["gpuProcessBytes", "deviceUsedBytes", "rssBytes"] : ["rssBytes"]);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
  get engineVersions(): Record<string, string> {
    return this.versions;
  }
  /** Replay calls resolved so far. */
  get replayCalls(): number {
    return this.replayed;
  }
  get hasFault(): boolean {
    return this.fault !== undefined;
  }
  /** Set when NVML cannot see the child's processes: its GPU figures are device-level. */
  get gpuAttribution(): GpuAttribution | undefined {
    return this.attribution;
  }

  /** Spawns the child, loads the engine, records the pre-activation baseline. */
  async start(): Promise<void> {
    this.startedAt = Date.now();
    const entry = childEntry();
    // libtorch reads its allocator settings (PYTORCH_CUDA_ALLOC_CONF) from the environment at start.
    const sc = this.opts.run.scenario;
    const engineEnv = sc.engine === "libtorch" && Object.keys(sc.libtorch.env).length > 0 ? sc.libtorch.env : undefined;
    const child = fork(entry.path, [], {
      execArgv: entry.execArgv,
      // Own process group: a terminal Ctrl-C reaches only the parent, which stops the
      // child itself; and a hung child's whole tree (process-engine workers) can be killed.
      detached: true,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "advanced",
      ...(this.opts.gpu || engineEnv
        ? {
            env: {
              ...process.env,
              ...engineEnv,
              ...(this.opts.gpu ? { CUDA_VISIBLE_DEVICES: this.opts.gpu.uuid } : {}),
            },
          }
        : {}),
    });
    this.child = child;
    const keep = (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-STDERR_TAIL);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("message", (m: ChildMessage) => this.onMessage(m));
    child.on("exit", (code, signal) => this.onExit(code, signal));
    child.on("error", (e) =>
      this.failWith(new StrategyFault("errored", `could not start the strategy's process: ${e.message}`)),
    );
    this.sampler.setPids([child.pid!]);
    this.sampler.start();
    this.pump = setInterval(() => this.pumpSamples(), PUMP_MS);
    // Under --gpus the child sees its one GPU as device 0.
    const run = this.opts.gpu
      ? {
          ...this.opts.run,
          scenario: { ...this.opts.run.scenario, memory: { ...this.opts.run.scenario.memory, device: 0 } },
        }
      : this.opts.run;
    const loaded = await this.request(
      { type: "init", run, strategy: this.strategy, modelPath: this.opts.modelPath },
      "loaded",
    );
    if (loaded.type === "loaded") {
      this.versions = loaded.versions;
      this.engineMemory = loaded.engineMemory;
      this.extraPids = loaded.extraPids;
      if (loaded.extraPids.length) this.sampler.setPids([child.pid!, ...loaded.extraPids]);
      if (loaded.usesGpu === false) this.primarySignal = "rssBytes";
    }
    if (this.opts.tracePath) this.trace = new TraceWriter(this.opts.tracePath, this.primarySignal);
    this.startBytes = await this.settledValues();
    await this.checkPidNamespace();
  }

  /**
   * Once the engine has loaded (its CUDA context exists): does NVML list the child? If not,
   * the per-process figure is device-level from here on (pid-namespace.ts).
   */
  private async checkPidNamespace(): Promise<void> {
    const atStart = this.opts.listedAtRunStart;
    const pid = this.child?.pid;
    if (!this.sampler.hasGpu || !atStart || !pid) return;
    let now = Number.NaN;
    let check: ReturnType<typeof checkPidNamespace> = { mode: "process" };
    // NVML's list may lag a context just made: look again before concluding it never will.
    for (let attempt = 0; attempt < PID_CHECKS; attempt++) {
      if (attempt > 0) Object.assign(this.startBytes, await this.settledValues(PID_RECHECK_MS));
      now = this.startBytes.deviceUsedBytes ?? Number.NaN;
      check = checkPidNamespace({
        ownPids: [pid, ...this.extraPids],
        listedPids: readRunGpu(this.device)?.listedPids,
        listedAtRunStart: atStart,
        deviceBeforeBytes: this.deviceBefore,
        deviceNowBytes: now,
        processBytes: this.startBytes.gpuProcessBytes ?? Number.NaN,
      });
      if (check.mode === "process") return;
    }
    if (check.mode === "process") return;
    this.attribution = { ...check, baseDeviceBytes: this.deviceBefore };
    const own = now - this.deviceBefore;
    this.deviceFigures = new DeviceLevelFigures(own);
    this.startBytes.gpuProcessBytes = own;
  }

  /**
   * Runs calls [firstIndex, firstIndex + count). Phase `replay` feeds again shapes of calls
   * [0, replayOf) (default: firstIndex) and is memory-only: not in rounds or latency.
   */
  async calls(
    phase: CallPhase,
    round: number,
    firstIndex: number,
    count: number,
    total: number,
    replayOf?: number,
  ): Promise<void> {
    if (count <= 0) return;
    this.roundCalls = 0;
    this.roundBusyMs = 0;
    const msg: ParentMessage = { type: "calls", phase, round, firstIndex, count, total };
    if (phase === "replay") {
      this.replayFrom = Math.min(this.replayFrom, firstIndex);
      msg.replayOf = replayOf ?? firstIndex;
    }
    // Device-level figures: this strategy's window lasts until the next strategy may run.
    this.deviceFigures?.open(monotonicNs());
    try {
      await this.request(msg, "callsDone");
      // Resolve every mark of this batch before the next strategy runs.
      await sleep(Math.max(2 * this.sampler.intervalMs, 2));
    } finally {
      this.deviceFigures?.close(monotonicNs());
    }
    this.pumpSamples(true);
    if (phase === "round" && this.roundCalls > 0) {
      this.rounds.push({
        round,
        iterations: this.roundCalls,
        busyMs: round3(this.roundBusyMs),
        itemsPerSecond: round3(this.roundCalls / (this.roundBusyMs / 1000)),
      });
    }
  }

  /** Release per the strategy, then measure what release did not give back. */
  async finish(): Promise<void> {
    this.deviceFigures?.open(monotonicNs());
    let msg: ChildMessage;
    try {
      msg = await this.request({ type: "finish" }, "finished");
      await sleep(Math.max(2 * this.sampler.intervalMs, 2));
    } finally {
      this.deviceFigures?.close(monotonicNs());
    }
    if (msg.type === "finished" && msg.engineMemory) this.engineMemory = msg.engineMemory;
    if (this.strategy !== "persistent") {
      const after = await this.settledValues();
      const p = this.primarySignal;
      if (Number.isFinite(after[p]) && Number.isFinite(this.startBytes[p])) {
        this.residual = { afterReleaseBytes: after[p]! - this.startBytes[p]! };
      }
    }
  }

  /** Allocation history on (start) or snapshot + top sites (stop); a worker's refusal comes back as { error }. */
  async traceAllocations(request: AllocationTraceRequest): Promise<AllocationTraceOutcome | undefined> {
    const msg = await this.request({ type: "traceAllocations", request }, "traced");
    return msg.type === "traced" ? msg.outcome : undefined;
  }

  /** Ends the child; on a GPU, checks that the device got the process's memory back. */
  async exit(): Promise<void> {
    if (!this.child || this.exited) return this.stop();
    const before = await this.settledValues();
    try {
      this.child.send({ type: "exit" } satisfies ParentMessage);
    } catch {
      /* already gone */
    }
    // The 10 s grace timer is cleared as soon as the child exits (a pending timer would keep
    // vramgate alive for the rest of the 10 s). It stays referenced: a SIGKILLed child's
    // handle may not hold the event loop open until its exit event arrives (seen: exit 13).
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      // It may have exited while the values settled (its exit event has come and gone).
      new Promise<void>((r) => (this.exited ? r() : this.exitWaiters.push(r))),
      new Promise<void>((r) => (grace = setTimeout(r, 10_000))),
    ]);
    clearTimeout(grace);
    if (!this.exited) this.kill();
    if (this.sampler.hasGpu && Number.isFinite(before.deviceUsedBytes) && Number.isFinite(before.gpuProcessBytes)) {
      this.sampler.setPids([]);
      await sleep(Math.max(200, 5 * this.sampler.intervalMs));
      const s = this.sampler.drain();
      const devAfter = s.deviceUsedBytes.length ? s.deviceUsedBytes[s.deviceUsedBytes.length - 1]! : Number.NaN;
      if (Number.isFinite(devAfter)) {
        this.residual = {
          ...this.residual,
          afterExitDeviceBytes: devAfter - (before.deviceUsedBytes! - before.gpuProcessBytes!),
        };
      }
    }
    this.stop();
  }

  /** Ctrl-C: fail whatever is pending with state `aborted` and stop the child. */
  abort(message: string): void {
    this.failWith(new StrategyFault("aborted", message));
    this.stop();
  }

  /** Stops sampling and the child (used on faults and Ctrl-C). Idempotent. */
  stop(state?: StrategyState): void {
    if (state && !this.fault && this.state === "completed") this.state = state;
    if (this.pump) {
      this.pumpSamples(true);
      clearInterval(this.pump);
      this.pump = undefined;
    }
    this.clearWatchdog();
    this.sampler.stop();
    this.trace?.close();
    if (!this.exited) this.kill();
    this.endedAt ??= Date.now();
  }

  private kill(): void {
    const pid = this.child?.pid;
    if (!pid) return;
    // A process worker leads its own process group (so that a kill reaches what it
    // started): killing the child's group alone would leave a hung worker behind.
    for (const p of [pid, ...this.extraPids]) killGroup(p);
  }

  private request(msg: ParentMessage, want: ChildMessage["type"]): Promise<ChildMessage> {
    if (this.fault) return Promise.reject(this.fault);
    if (this.exited || !this.child)
      return Promise.reject(new StrategyFault("crashed", "the strategy's process is not running"));
    return new Promise((resolve, reject) => {
      this.pending = { want, resolve, reject };
      this.armWatchdog();
      this.child!.send(msg, (e) => {
        if (e) this.failWith(new StrategyFault("crashed", `could not talk to the strategy's process: ${e.message}`));
      });
    });
  }

  private armWatchdog(): void {
    this.clearWatchdog();
    const s = this.opts.run.scenario.run.watchdogS;
    this.watchdog = setTimeout(
      () => {
        this.pumpSamples(true);
        const at =
          this.measured > 0 ? ` after ${this.measured} measured calls` : this.lastIndex >= 0 ? " during warm-up" : "";
        this.failWith(new StrategyFault("timeout", `no progress for ${s} s${at} (watchdog); the process was killed`));
        this.kill();
      },
      timerDelayMs(s * 1000),
    );
    this.watchdog.unref?.();
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private onMessage(m: ChildMessage): void {
    if (this.pending) this.armWatchdog();
    switch (m.type) {
      case "marks":
        this.joiner.addMarks(m.batch);
        return;
      case "fault": {
        const state = m.kind === "oom" ? "oom" : "errored";
        const index = m.index !== undefined ? m.index - this.warmup : undefined;
        this.failWith(new StrategyFault(state, m.message, index, m.lastExchange));
        return;
      }
      default:
        if (this.pending && this.pending.want === m.type) {
          const p = this.pending;
          this.pending = undefined;
          this.clearWatchdog();
          p.resolve(m);
        }
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    for (const w of this.exitWaiters.splice(0)) w();
    if (this.fault || (code === 0 && !this.pending)) return;
    this.pumpSamples(true);
    const lastWords = this.stderrTail.trim().split("\n").slice(-5).join("\n");
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const oom = /out of memory|CUDA_ERROR_OUT_OF_MEMORY|cudaErrorMemoryAllocation/i.test(lastWords);
    this.failWith(
      new StrategyFault(
        oom ? "oom" : signal ? "crashed" : "errored",
        `the strategy's process ${how}${lastWords ? `; last output:\n${lastWords}` : ""}`,
      ),
    );
  }

  private failWith(f: StrategyFault): void {
    if (this.fault) return;
    this.fault = f;
    this.state = f.state;
    this.clearWatchdog();
    const p = this.pending;
    this.pending = undefined;
    p?.reject(f);
  }

  /** Drains the sampler into the joiner and consumes resolved iterations. */
  private pumpSamples(all = false): void {
    let s = this.sampler.drain();
    if (Number.isNaN(this.deviceBefore) && s.deviceUsedBytes.length) this.deviceBefore = s.deviceUsedBytes[0]!;
    if (this.deviceFigures) s = { ...s, gpuProcessBytes: this.deviceFigures.map(s.tNs, s.deviceUsedBytes) };
    this.notePeaks(s);
    this.joiner.addSamples(s);
    for (const r of this.joiner.take(all)) this.consume(r);
  }

  private notePeaks(s: Samples): void {
    const cols: Array<[string, ArrayLike<number>]> = [["rssBytes", s.rssBytes]];
    if (this.sampler.hasGpu) cols.push(["gpuProcessBytes", s.gpuProcessBytes], ["deviceUsedBytes", s.deviceUsedBytes]);
    for (const [name, arr] of cols) {
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i]!;
        if (Number.isFinite(v) && !(v <= (this.peak[name] ?? -Infinity))) this.peak[name] = v;
      }
    }
  }

  private consume(r: IterationRecord): void {
    this.lastIndex = r.index;
    for (const [k, v] of Object.entries(r.signals)) {
      if (Number.isFinite(v) && !(v <= (this.peak[k] ?? -Infinity))) this.peak[k] = v;
    }
    const measuredIndex = r.index - this.warmup;
    if (measuredIndex < 0) {
      this.shapeTracker.warmup(r.shape, r.signals);
      return;
    }
    this.firstMeasuredStartNs ??= r.startNs;
    const latencyMs = (r.endNs - r.startNs) / 1e6;
    const timeMs = (r.endNs - this.firstMeasuredStartNs) / 1e6;
    this.series.add(measuredIndex, timeMs, latencyMs, r.signals);
    this.trace?.write(measuredIndex, timeMs, latencyMs, r.shape, r.signals);
    this.shapeTracker.measured(measuredIndex, timeMs, r.shape, latencyMs, r.signals);
    if (this.shapes.size < 256) this.shapes.add(r.shape);
    if (r.index >= this.replayFrom) {
      this.replayed++;
      return;
    }
    this.latency.add(latencyMs);
    this.measured++;
    this.roundCalls++;
    this.roundBusyMs += latencyMs;
    this.opts.onProgress?.(this.measured);
  }

  /** Current value of each sampled signal after things settle (a few intervals). */
  private async settledValues(minMs = 20): Promise<Record<string, number>> {
    await sleep(Math.max(3 * this.sampler.intervalMs, minMs));
    this.pumpSamples();
    const out: Record<string, number> = { rssBytes: this.joiner.latest("rssBytes") };
    if (this.sampler.hasGpu) {
      out.gpuProcessBytes = this.joiner.latest("gpuProcessBytes");
      out.deviceUsedBytes = this.joiner.latest("deviceUsedBytes");
    }
    return out;
  }

  toResult(): StrategyResult {
    const f = this.fault;
    const result: StrategyResult = {
      strategy: this.strategy,
      state: this.state,
      pid: this.child?.pid,
      warmupIterations: this.warmup,
      iterations: this.measured,
      durationMs: (this.endedAt ?? Date.now()) - this.startedAt,
      rounds: [...this.rounds],
      latency: this.latency.summary(),
      shapes: [...this.shapes],
      shapeStats: this.shapeTracker.toJSON(),
      primarySignal: this.primarySignal,
      peakBytes: { ...this.peak },
      startBytes: { ...this.startBytes },
      series: this.series.toJSON(),
      traceFile: this.trace ? this.opts.traceFileRelative : undefined,
      residual: this.residual,
      engineMemory: this.engineMemory,
      ...(this.attribution ? { gpuAttribution: this.attribution } : {}),
    };
    if (f) {
      // Without an index from the engine, the fault hit the call after the last one measured.
      result.error = {
        message: f.message,
        iteration: f.index ?? this.measured,
        lastExchange: f.lastExchange ?? (this.stderrTail.trim().slice(-800) || undefined),
      };
      if (f.state === "oom")
        result.oom = { iteration: f.index ?? this.measured, usedBytes: this.peak[this.primarySignal] ?? Number.NaN };
    }
    return result;
  }
}

/** SIGKILL a process's group, or the process alone when it leads none. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
