/**
 * The `process` engine: runs the user's own inference program (a worker speaking the line
 * protocol of docs/protocol.md) under vramgate's scenarios, sampling and gates. The engine is
 * strategy-agnostic: the strategy loop decides when activate/deactivate are sent.
 *
 * Engine memory figures: a worker may attach `stats` to any ok reply (the Python helper does,
 * outside the timed section), so memoryStats() returns the latest figures without a round
 * trip per call. The `stats` op is sent once, right after hello, to seed them.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EngineUnavailableError } from "../../errors.js";
import {
  withCallsDone,
  type BatchMode,
  type BatchTimes,
  type EngineInit,
  type JsEngine,
  type ShapeMap,
} from "../contract.js";
import { EngineLifecycle } from "../lifecycle.js";
import type { AllocationSites, AllocationTraceRequest } from "../allocation-sites.js";
import { parseAllocationSites } from "./allocation-reply.js";
import type { ProcessOptions } from "./section.js";
import {
  JOURNAL_RECORD_BYTES,
  PROTOCOL_VERSION,
  PROTOCOL_VERSIONS,
  ProtocolViolation,
  parseBatchTimes,
  parseFailedAt,
  parseHello,
  type HelloConfig,
  type HelloInfo,
  type OkReply,
  type StatsMap,
} from "./protocol.js";
import { ProcessWorkerError, ProcessWorkerUnavailableError, formatCommand } from "./errors.js";
import { WorkerProcess, type RequestBody } from "./worker.js";

/** Folder holding vramgate_worker.py; put on the worker's PYTHONPATH so `from vramgate_worker import serve` works. */
const PYTHON_HELPER_DIR = fileURLToPath(new URL("../../../python", import.meta.url));

/** Hello waits at least this long: the worker imports its framework and loads its model first. */
const MIN_HELLO_TIMEOUT_MS = 120_000;
const DEFAULT_CLOSE_GRACE_MS = 2_000;
/** Calls in one batch request at most (and records in the progress journal). */
const MAX_BATCH_CALLS = 4096;

export interface ProcessEngineOptions {
  /** Per-call reply timeout, ms. Default: the section's replyTimeoutS, else the run's watchdog. */
  replyTimeoutMs?: number;
  /** Timeout for the hello reply (the worker's start-up and model load), ms. Default: max(reply timeout, 120 s). */
  helloTimeoutMs?: number;
  /** How long close() waits for a clean shutdown before SIGTERM, then SIGKILL, ms. Default 2000. */
  closeGraceMs?: number;
  /** Where the worker's stderr lines go: "forward" (to this process's stderr, the default), "quiet", or a callback. */
  stderr?: "forward" | "quiet" | ((line: string) => void);
  /** The highest protocol version offered in hello (default 2; 1 runs every call as its own request). */
  maxProtocol?: 1 | 2;
}

/**
 * How the worker's clock was mapped to ours (protocol 2). Both sides read CLOCK_MONOTONIC,
 * which one Linux host shares between processes: hello's reading must fall between our
 * write of hello and our read of its reply (then offsetNs is 0); else the offset is
 * estimated from that window's midpoint. Every batch is checked the same way.
 */
interface ClockAlignment {
  /** Added to the worker's times to get ours, ns. */
  offsetNs: number;
  /** true when hello's reading fell inside the window (the clock is shared). */
  shared: boolean;
  /** Batches checked, and those whose calls did not fall inside their request's window. */
  batches: number;
  outsideWindow: number;
}

/** The process engine: a JsEngine plus what the run records about the worker. */
export interface ProcessEngine extends JsEngine {
  /** The worker's argv, quoted for display. */
  readonly command: string;
  /** What the worker said in hello; undefined before load(). */
  hello(): HelloInfo | undefined;
  /** The worker's own duration of the last successful call, ms (its `ms` field). */
  lastCallMs(): number | undefined;
  /** The last request and reply (or "no reply"), for results and messages. */
  lastExchange(): string;
  /** True once a protocol-2 worker answered hello: calls then run in batches. */
  canBatch(): boolean;
  inferBatch(shapes: ShapeMap[], mode: BatchMode): Promise<BatchTimes>;
  /** The negotiated protocol version; undefined before load(). */
  protocol(): number | undefined;
  /** Protocol 2: how the worker's clock maps to ours; undefined otherwise. */
  clockAlignment(): ClockAlignment | undefined;
  memoryStats(): Record<string, number>;
  extraPids(): number[];
}

/** The worker's working directory: process.cwd resolved against the scenario's folder, else that folder. */
export function workerCwd(scenarioFile: string, cwd: string | undefined): string {
  const base = path.dirname(scenarioFile);
  return cwd === undefined ? base : path.resolve(base, cwd);
}

/** The worker's environment: ours, then the scenario's, with the helper folder on PYTHONPATH. */
export function workerEnv(scenarioEnv: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...scenarioEnv };
  const existing = env.PYTHONPATH;
  env.PYTHONPATH = existing ? `${PYTHON_HELPER_DIR}${path.delimiter}${existing}` : PYTHON_HELPER_DIR;
  env.VRAMGATE_PROTOCOL = String(PROTOCOL_VERSION);
  return env;
}

function helloConfig(init: EngineInit<ProcessOptions>): HelloConfig {
  const profile: HelloConfig["profile"] = {};
  for (const [name, p] of Object.entries(init.inputs))
    profile[name] = { min: p.min, opt: p.opt, max: p.max, dtype: p.dtype, values: p.values ?? null };
  return {
    scenario: init.source.name,
    scenarioFile: init.source.file,
    strategy: init.strategy,
    precision: init.precision,
    modelPath: init.modelPath,
    device: init.device,
    profile,
  };
}

class WorkerEngine extends EngineLifecycle implements ProcessEngine {
  readonly name = "process";
  // Closing ends the worker, which frees whatever it holds.
  protected override readonly closeFreesContext = true;
  readonly command: string;
  private readonly argv: string[];
  private readonly replyTimeoutMs: number;
  private readonly helloTimeoutMs: number;
  private readonly closeGraceMs: number;
  private readonly onStderrLine: ((line: string) => void) | undefined;
  private worker: WorkerProcess | undefined;
  private info: HelloInfo | undefined;
  private stats: StatsMap = {};
  private lastMs: number | undefined;
  private readonly maxProtocol: 1 | 2;
  private journalDir: string | undefined;
  private clock: ClockAlignment | undefined;
  /** The longest call seen in a batch, ms: sizes a batch's reply timeout. */
  private slowestCallMs = 0;

  constructor(
    private readonly init: EngineInit<ProcessOptions>,
    options: ProcessEngineOptions,
  ) {
    super();
    this.argv = init.section.command;
    this.command = formatCommand(this.argv);
    this.replyTimeoutMs = options.replyTimeoutMs ?? (init.section.replyTimeoutS ?? init.watchdogS) * 1000;
    this.helloTimeoutMs = options.helloTimeoutMs ?? Math.max(this.replyTimeoutMs, MIN_HELLO_TIMEOUT_MS);
    this.closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
    this.maxProtocol = options.maxProtocol ?? 2;
    this.onStderrLine =
      options.stderr === "quiet"
        ? undefined
        : typeof options.stderr === "function"
          ? options.stderr
          : (line: string) => process.stderr.write(`${line}\n`);
  }

  private requireWorker(op: string): WorkerProcess {
    if (!this.worker || !this.info)
      throw new Error(`process engine: ${op}() called before load() completed (worker \`${this.command}\`)`);
    return this.worker;
  }

  private async call(w: WorkerProcess, body: RequestBody, timeoutMs: number): Promise<OkReply> {
    const reply = await w.request(body, timeoutMs);
    this.lastMs = reply.ms;
    if (reply.stats) this.stats = reply.stats;
    return reply;
  }

  protected async loadImpl(): Promise<void> {
    const { section, source } = this.init;
    if (this.argv.length === 0) {
      throw new EngineUnavailableError(
        `scenario ${source.file}: engine "process" needs process.command (the worker's argv), found none`,
      );
    }
    const cwd = workerCwd(source.file, section.cwd);
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
      throw new ProcessWorkerUnavailableError(
        `working directory ${cwd} does not exist (process.cwd in ${source.file})`,
        {
          command: this.command,
          lastExchange: "none (the worker was not started)",
        },
      );
    }
    const w = new WorkerProcess({
      argv: this.argv,
      cwd,
      env: workerEnv(section.env),
      ...(this.onStderrLine ? { onStderrLine: this.onStderrLine } : {}),
    });
    this.worker = w;
    const command = this.command;
    const offered = PROTOCOL_VERSIONS.filter((v) => v <= this.maxProtocol);
    const config = helloConfig(this.init);
    if (offered.includes(2)) {
      this.journalDir = mkdtempSync(path.join(tmpdir(), "vramgate-journal-"));
      config.journal = path.join(this.journalDir, "calls.bin");
      config.journalCalls = MAX_BATCH_CALLS;
      writeFileSync(config.journal, Buffer.alloc(MAX_BATCH_CALLS * JOURNAL_RECORD_BYTES));
    }
    let hello: OkReply;
    try {
      hello = await this.call(
        w,
        { op: "hello", protocol: PROTOCOL_VERSION, protocols: offered, config },
        this.helloTimeoutMs,
      );
    } catch (err) {
      await w.close(this.closeGraceMs);
      this.removeJournal();
      // A hello the worker refused (its model failed to load, say) is for the user to fix.
      if (err instanceof ProcessWorkerError && err.reason === "reply") {
        throw new ProcessWorkerUnavailableError(`the worker refused hello: ${err.workerError ?? "no message"}`, {
          command,
          lastExchange: err.lastExchange,
        });
      }
      throw err;
    }
    let parsed: HelloInfo;
    try {
      parsed = parseHello(hello);
    } catch (err) {
      await w.close(this.closeGraceMs);
      this.removeJournal();
      if (!(err instanceof ProtocolViolation)) throw err;
      throw new ProcessWorkerError(`protocol error: ${err.message}`, { command, lastExchange: w.lastExchange() });
    }
    if (!offered.includes(parsed.protocol)) {
      const lastExchange = w.lastExchange();
      await w.close(this.closeGraceMs);
      this.removeJournal();
      const ours = offered.length === 1 ? `version ${offered[0]}` : `versions ${offered.join(" and ")}`;
      throw new ProcessWorkerUnavailableError(
        `the worker speaks protocol version ${parsed.protocol}, this vramgate speaks ${ours}; use a worker (or vramgate_worker.py) for one of them`,
        { command, lastExchange },
      );
    }
    if (parsed.protocol >= 2) {
      const { sentNs, gotNs } = w.exchangeWindowNs();
      const t = parsed.monotonicNs;
      const shared = t === undefined || (t >= sentNs && t <= gotNs);
      this.clock = {
        offsetNs: shared || t === undefined ? 0 : Math.round((sentNs + gotNs) / 2 - t),
        shared,
        batches: 0,
        outsideWindow: 0,
      };
    } else {
      this.removeJournal();
    }
    if (parsed.stats) {
      try {
        await this.call(w, { op: "stats" }, this.replyTimeoutMs);
      } catch (err) {
        await w.close(this.closeGraceMs);
        this.removeJournal();
        throw err;
      }
    }
    this.info = parsed;
  }

  versions(): Record<string, string> {
    if (!this.info) return {};
    return { ...this.info.versions, "process-worker": `${this.info.worker} (protocol ${this.info.protocol})` };
  }
  protected async activateImpl(): Promise<void> {
    await this.call(this.requireWorker("activate"), { op: "activate" }, this.replyTimeoutMs);
  }
  protected async inferImpl(shape: ShapeMap): Promise<void> {
    await this.call(this.requireWorker("infer"), { op: "infer", shape }, this.replyTimeoutMs);
  }
  protected async deactivateImpl(): Promise<void> {
    await this.call(this.requireWorker("deactivate"), { op: "deactivate" }, this.replyTimeoutMs);
  }
  override canBatch(): boolean {
    return (this.info?.protocol ?? 1) >= 2;
  }

  protected override async inferBatchImpl(shapes: ShapeMap[], mode: BatchMode): Promise<BatchTimes> {
    const all: BatchTimes = { startNs: [], endNs: [] };
    for (let from = 0; from < shapes.length; from += MAX_BATCH_CALLS) {
      try {
        append(all, await this.batch(shapes.slice(from, from + MAX_BATCH_CALLS), mode));
      } catch (err) {
        const done = (err as { callsDone?: BatchTimes }).callsDone;
        if (done) append(all, done);
        throw withCallsDone(err as Error, all);
      }
    }
    return all;
  }

  /** One batch request (at most MAX_BATCH_CALLS calls); times mapped to our clock. */
  private async batch(shapes: ShapeMap[], mode: BatchMode): Promise<BatchTimes> {
    const w = this.requireWorker("inferBatch");
    const index = new Map<string, number>();
    const distinct: ShapeMap[] = [];
    const calls = shapes.map((s) => {
      const key = JSON.stringify(s);
      let i = index.get(key);
      if (i === undefined) {
        i = distinct.length;
        index.set(key, i);
        distinct.push(s);
      }
      return i;
    });
    const id = w.nextRequestId();
    const timeoutMs = this.replyTimeoutMs + 2 * shapes.length * this.slowestCallMs;
    let times: BatchTimes;
    try {
      const reply = await this.call(w, { op: "batch", mode, shapes: distinct, calls }, timeoutMs);
      try {
        times = parseBatchTimes(reply.fields, shapes.length);
      } catch (err) {
        if (!(err instanceof ProtocolViolation)) throw err;
        throw new ProcessWorkerError(`protocol error: ${err.message}`, {
          command: this.command,
          lastExchange: w.lastExchange(),
          reason: "protocol",
        });
      }
    } catch (err) {
      throw withCallsDone(err as Error, this.align(w, this.doneBefore(err, id, shapes.length), false));
    }
    return this.align(w, times, true);
  }

  /** The calls of a failed batch that ran: from its error reply, else from the progress journal. */
  private doneBefore(err: unknown, id: number, calls: number): BatchTimes {
    const fields = (err as { replyFields?: Record<string, unknown> }).replyFields;
    try {
      if (fields) return parseBatchTimes(fields, parseFailedAt(fields, calls));
    } catch (e) {
      if (!(e instanceof ProtocolViolation)) throw e;
      return { startNs: [], endNs: [] };
    }
    return this.readJournal(id, calls);
  }

  /** The journal's records of request `id`, from call 0 up to the first one missing. */
  private readJournal(id: number, calls: number): BatchTimes {
    const out: BatchTimes = { startNs: [], endNs: [] };
    if (!this.journalDir) return out;
    let buf: Buffer;
    try {
      buf = readFileSync(path.join(this.journalDir, "calls.bin"));
    } catch {
      return out;
    }
    for (let k = 0; k < calls && (k + 1) * JOURNAL_RECORD_BYTES <= buf.length; k++) {
      const at = k * JOURNAL_RECORD_BYTES;
      const rid = Number(buf.readBigInt64LE(at));
      const call = Number(buf.readBigInt64LE(at + 8));
      const start = Number(buf.readBigInt64LE(at + 16));
      const end = Number(buf.readBigInt64LE(at + 24));
      if (rid !== id || call !== k || start <= 0 || end < start) break;
      if (k > 0 && start < out.endNs[k - 1]!) break;
      out.startNs.push(start);
      out.endNs.push(end);
    }
    return out;
  }

  /** Maps the worker's times to ours and checks them against the request's window. */
  private align(w: WorkerProcess, t: BatchTimes, complete: boolean): BatchTimes {
    const clock = this.clock;
    const n = t.startNs.length;
    if (!clock || n === 0) return t;
    const off = clock.offsetNs;
    const startNs = off === 0 ? t.startNs : t.startNs.map((v) => v + off);
    const endNs = off === 0 ? t.endNs : t.endNs.map((v) => v + off);
    for (let k = 0; k < n; k++) this.slowestCallMs = Math.max(this.slowestCallMs, (endNs[k]! - startNs[k]!) / 1e6);
    if (complete) {
      const { sentNs, gotNs } = w.exchangeWindowNs();
      clock.batches++;
      if (startNs[0]! < sentNs || endNs[n - 1]! > gotNs) clock.outsideWindow++;
    }
    return t.stats ? { startNs, endNs, stats: t.stats } : { startNs, endNs };
  }

  protocol(): number | undefined {
    return this.info?.protocol;
  }

  clockAlignment(): ClockAlignment | undefined {
    return this.clock ? { ...this.clock } : undefined;
  }

  private removeJournal(): void {
    if (this.journalDir) rmSync(this.journalDir, { recursive: true, force: true });
    this.journalDir = undefined;
  }

  memoryStats(): Record<string, number> {
    return { ...this.stats };
  }
  /** The `traceAllocations` op (docs/protocol.md): an error reply (no torch in the worker) throws. */
  async traceAllocations(request: AllocationTraceRequest): Promise<AllocationSites | undefined> {
    const w = this.requireWorker("traceAllocations");
    const reply = await this.call(w, { op: "traceAllocations", ...request }, this.replyTimeoutMs).catch(
      (e: unknown) => {
        // The worker's own words ("RuntimeError: allocation tracing needs PyTorch …") are the reason to record.
        throw e instanceof ProcessWorkerError && e.workerError !== undefined ? new Error(e.workerError) : e;
      },
    );
    return request.action === "stop" ? parseAllocationSites(reply.fields.allocationSites) : undefined;
  }
  extraPids(): number[] {
    const pids = new Set<number>();
    if (this.worker?.pid !== undefined) pids.add(this.worker.pid);
    if (this.info) pids.add(this.info.pid); // the process that really runs the model, when argv is a wrapper
    return [...pids];
  }
  hello(): HelloInfo | undefined {
    return this.info;
  }
  usesGpu(): boolean | undefined {
    return this.info?.gpu;
  }
  lastCallMs(): number | undefined {
    return this.lastMs;
  }
  lastExchange(): string {
    return this.worker?.lastExchange() ?? "none (the worker was not started)";
  }
  protected async closeImpl(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.info = undefined;
    this.clock = undefined;
    await w?.close(this.closeGraceMs);
    this.removeJournal();
  }
}

function append(to: BatchTimes, from: BatchTimes): void {
  const before = to.startNs.length;
  to.startNs.push(...from.startNs);
  to.endNs.push(...from.endNs);
  if (!from.stats) return;
  to.stats ??= {};
  for (const [k, v] of Object.entries(from.stats)) {
    to.stats[k] ??= [];
    const arr = to.stats[k];
    while (arr.length < before) arr.push(Number.NaN);
    arr.push(...v);
  }
}

/** A process engine for one strategy child. Nothing starts until load(). */
export function createProcessEngine(
  init: EngineInit<ProcessOptions>,
  options: ProcessEngineOptions = {},
): ProcessEngine {
  return new WorkerEngine(init, options);
}
