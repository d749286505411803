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
import type { StrategyName } from "../../scenarios/types.js";
import type { EngineInit, JsEngine } from "../types.js";
import { EngineUnavailableError } from "../types.js";
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
  /** Per-call reply timeout, ms. Default: scenario.process.replyTimeoutS, else scenario.run.watchdogS. */
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

/** Null when the process engine can run the strategy, else why not. */
export function processSupports(strategy: StrategyName): string | null {
  switch (strategy) {
    case "persistent":
    case "teardown":
    case "scoped":
      return null;
    case "per-shape":
      return "the process engine does not support per-shape: the worker owns its contexts, vramgate cannot keep one per shape; use persistent, teardown or scoped";
    case "user-managed":
      return "the process engine does not support user-managed: device memory is allocated inside the worker; use persistent, teardown or scoped";
  }
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

function helloConfig(init: EngineInit): HelloConfig {
  const s = init.scenario;
  const profile: HelloConfig["profile"] = {};
  for (const [name, p] of Object.entries(s.profile))
    profile[name] = { min: p.min, opt: p.opt, max: p.max, dtype: p.dtype, values: p.values ?? null };
  return {
    scenario: s.name,
    scenarioFile: s.file,
    strategy: init.strategy,
    precision: init.precision,
    modelPath: init.modelPath,
    device: s.memory.device,
    profile,
  };
}

export function createProcessEngine(init: EngineInit, options: ProcessEngineOptions = {}): ProcessEngine {
  const spec = init.scenario.process;
  const argv = spec?.command ?? [];
  const command = formatCommand(argv);
  const replyTimeoutMs = options.replyTimeoutMs ?? (spec?.replyTimeoutS ?? init.scenario.run.watchdogS) * 1000;
  const helloTimeoutMs = options.helloTimeoutMs ?? Math.max(replyTimeoutMs, MIN_HELLO_TIMEOUT_MS);
  const closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
  const onStderrLine =
    options.stderr === "quiet"
      ? undefined
      : typeof options.stderr === "function"
        ? options.stderr
        : (line: string) => process.stderr.write(`${line}\n`);

  let worker: WorkerProcess | undefined;
  let info: HelloInfo | undefined;
  let stats: StatsMap = {};
  let lastMs: number | undefined;

  function requireWorker(op: string): WorkerProcess {
    if (!worker || !info)
      throw new Error(`process engine: ${op}() called before load() completed (worker \`${command}\`)`);
    return worker;
  }

  async function call(w: WorkerProcess, body: RequestBody, timeoutMs: number): Promise<OkReply> {
    const reply = await w.request(body, timeoutMs);
    lastMs = reply.ms;
    if (reply.stats) stats = reply.stats;
    return reply;
  }

  async function load(): Promise<void> {
    const unsupported = processSupports(init.strategy);
    if (unsupported) throw new EngineUnavailableError(unsupported);
    if (!spec || argv.length === 0) {
      throw new EngineUnavailableError(
        `scenario ${init.scenario.file}: engine "process" needs process.command (the worker's argv), found none`,
      );
    }
    if (worker) throw new Error(`process engine: load() called twice (worker \`${command}\`)`);
    const cwd = workerCwd(init.scenario.file, spec.cwd);
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
      throw new ProcessWorkerUnavailableError(
        `working directory ${cwd} does not exist (process.cwd in ${init.scenario.file})`,
        {
          command,
          lastExchange: "none (the worker was not started)",
        },
      );
    }
    const w = new WorkerProcess({ argv, cwd, env: workerEnv(spec.env), ...(onStderrLine ? { onStderrLine } : {}) });
    worker = w;
    let hello: OkReply;
    try {
      hello = await call(w, { op: "hello", protocol: PROTOCOL_VERSION, config: helloConfig(init) }, helloTimeoutMs);
    } catch (err) {
      await w.close(closeGraceMs);
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
      await w.close(closeGraceMs);
      if (!(err instanceof ProtocolViolation)) throw err;
      throw new ProcessWorkerError(`protocol error: ${err.message}`, { command, lastExchange: w.lastExchange() });
    }
    if (parsed.protocol !== PROTOCOL_VERSION) {
      const lastExchange = w.lastExchange();
      await w.close(closeGraceMs);
      throw new ProcessWorkerUnavailableError(
        `the worker speaks protocol version ${parsed.protocol}, this vramgate speaks version ${PROTOCOL_VERSION}; use a worker (or vramgate_worker.py) for protocol ${PROTOCOL_VERSION}`,
        { command, lastExchange },
      );
    }
    if (parsed.stats) {
      try {
        await call(w, { op: "stats" }, replyTimeoutMs);
      } catch (err) {
        await w.close(closeGraceMs);
        throw err;
      }
    }
    info = parsed;
  }

  return {
    name: "process",
    command,
    versions(): Record<string, string> {
      if (!info) return {};
      return { ...info.versions, "process-worker": `${info.worker} (protocol ${info.protocol})` };
    },
    load,
    async activate(): Promise<void> {
      await call(requireWorker("activate"), { op: "activate" }, replyTimeoutMs);
    },
    async infer(shape): Promise<void> {
      await call(requireWorker("infer"), { op: "infer", shape }, replyTimeoutMs);
    },
    async deactivate(): Promise<void> {
      await call(requireWorker("deactivate"), { op: "deactivate" }, replyTimeoutMs);
    },
    memoryStats(): Record<string, number> {
      return { ...stats };
    },
    extraPids(): number[] {
      const pids = new Set<number>();
      if (worker?.pid !== undefined) pids.add(worker.pid);
      if (info) pids.add(info.pid); // the process that really runs the model, when argv is a wrapper
      return [...pids];
    },
    hello: () => info,
    usesGpu: () => info?.gpu,
    lastCallMs: () => lastMs,
    lastExchange: () => worker?.lastExchange() ?? "none (the worker was not started)",
    async close(): Promise<void> {
      await worker?.close(closeGraceMs);
    },
  };
}
