/**
 * The `process` engine: runs the user's own inference program (a worker speaking the line
 * protocol of docs/protocol.md) under vramgate's scenarios, sampling and gates. The engine is
 * strategy-agnostic: the strategy loop decides when activate/deactivate are sent.
 *
 * Engine memory figures: a worker may attach `stats` to any ok reply (the Python helper does,
 * outside the timed section), so memoryStats() returns the latest figures without a round
 * trip per call. The `stats` op is sent once, right after hello, to seed them.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EngineUnavailableError } from "../../errors.js";
import type { EngineInit, JsEngine, ShapeMap } from "../contract.js";
import { EngineLifecycle } from "../lifecycle.js";
import type { ProcessOptions } from "./section.js";
import {
  PROTOCOL_VERSION,
  ProtocolViolation,
  parseHello,
  type HelloConfig,
  type HelloInfo,
  type OkReply,
  type StatsMap,
} from "./protocol.js";
import { ProcessWorkerError, ProcessWorkerUnavailableError, formatCommand } from "./errors.js";
import { WorkerProcess, type RequestBody } from "./worker.js";

/** Folder holding vramgate_worker.py; put on the worker's PYTHONPATH so `from vramgate_worker import serve` works. */
export const PYTHON_HELPER_DIR = fileURLToPath(new URL("../../../python", import.meta.url));

/** Hello waits at least this long: the worker imports its framework and loads its model first. */
const MIN_HELLO_TIMEOUT_MS = 120_000;
const DEFAULT_CLOSE_GRACE_MS = 2_000;

export interface ProcessEngineOptions {
  /** Per-call reply timeout, ms. Default: the section's replyTimeoutS, else the run's watchdog. */
  replyTimeoutMs?: number;
  /** Timeout for the hello reply (the worker's start-up and model load), ms. Default: max(reply timeout, 120 s). */
  helloTimeoutMs?: number;
  /** How long close() waits for a clean shutdown before SIGTERM, then SIGKILL, ms. Default 2000. */
  closeGraceMs?: number;
  /** Where the worker's stderr lines go: "forward" (to this process's stderr, the default), "quiet", or a callback. */
  stderr?: "forward" | "quiet" | ((line: string) => void);
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
    let hello: OkReply;
    try {
      hello = await this.call(
        w,
        { op: "hello", protocol: PROTOCOL_VERSION, config: helloConfig(this.init) },
        this.helloTimeoutMs,
      );
    } catch (err) {
      await w.close(this.closeGraceMs);
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
      if (!(err instanceof ProtocolViolation)) throw err;
      throw new ProcessWorkerError(`protocol error: ${err.message}`, { command, lastExchange: w.lastExchange() });
    }
    if (parsed.protocol !== PROTOCOL_VERSION) {
      const lastExchange = w.lastExchange();
      await w.close(this.closeGraceMs);
      throw new ProcessWorkerUnavailableError(
        `the worker speaks protocol version ${parsed.protocol}, this vramgate speaks version ${PROTOCOL_VERSION}; use a worker (or vramgate_worker.py) for protocol ${PROTOCOL_VERSION}`,
        { command, lastExchange },
      );
    }
    if (parsed.stats) {
      try {
        await this.call(w, { op: "stats" }, this.replyTimeoutMs);
      } catch (err) {
        await w.close(this.closeGraceMs);
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
  memoryStats(): Record<string, number> {
    return { ...this.stats };
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
    await w?.close(this.closeGraceMs);
  }
}

/** A process engine for one strategy child. Nothing starts until load(). */
export function createProcessEngine(
  init: EngineInit<ProcessOptions>,
  options: ProcessEngineOptions = {},
): ProcessEngine {
  return new WorkerEngine(init, options);
}
