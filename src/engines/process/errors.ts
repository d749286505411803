/**
 * Errors of the process engine. Every one names the worker's command and carries the last
 * protocol exchange (`lastExchange`), which the run stores in StrategyResult.error.
 * Classes extend the engine contract's errors so `instanceof OutOfMemoryError` /
 * `instanceof EngineUnavailableError` keep working for the strategy loop.
 */
import { EngineUnavailableError, OutOfMemoryError } from "../../errors.js";

/** What every process-engine error carries besides its message. */
export interface WorkerErrorDetails {
  /** The worker's argv, quoted for display. */
  command: string;
  /** `sent <request>; got <reply>` or `sent <request>; no reply`, or `none` before any request. */
  lastExchange: string;
  /** Set when the worker exited (code) or was killed (signal). */
  exitCode?: number;
  signal?: string;
  /** The last lines the worker wrote to stderr, oldest first. */
  stderrTail?: string[];
  /** What went wrong, for callers that react differently (default "reply"). */
  reason?: WorkerFailureReason;
  /** The worker's own message, for reason "reply". */
  workerError?: string;
  /** The error reply's fields (a failed batch: failedAt and the times of the calls before it). */
  replyFields?: Record<string, unknown>;
}

/** exit: died; timeout: no reply in time; protocol: broke the protocol; reply: answered ok:false; closed: closed mid-call. */
export type WorkerFailureReason = "exit" | "timeout" | "protocol" | "reply" | "closed";

/** Builds the one message shown to the user: what happened, the exchange, the worker's last words. */
function workerMessage(what: string, d: WorkerErrorDetails): string {
  const lines = [`process worker \`${d.command}\`: ${what}`, `  last exchange: ${d.lastExchange}`];
  if (d.stderrTail && d.stderrTail.length > 0) {
    lines.push("  worker stderr (last lines):", ...d.stderrTail.map((l) => `    ${l}`));
  }
  return lines.join("\n");
}

/** The worker failed: died, hung, broke the protocol, or reported an error. */
export class ProcessWorkerError extends Error {
  override name = "ProcessWorkerError";
  readonly command: string;
  readonly lastExchange: string;
  readonly reason: WorkerFailureReason;
  readonly exitCode?: number;
  readonly signal?: string;
  /** The worker's own message when it answered ok:false. */
  readonly workerError?: string;
  readonly replyFields?: Record<string, unknown>;
  constructor(what: string, d: WorkerErrorDetails) {
    super(workerMessage(what, d));
    this.command = d.command;
    this.lastExchange = d.lastExchange;
    this.reason = d.reason ?? "reply";
    if (d.workerError !== undefined) this.workerError = d.workerError;
    if (d.replyFields !== undefined) this.replyFields = d.replyFields;
    if (d.exitCode !== undefined) this.exitCode = d.exitCode;
    if (d.signal !== undefined) this.signal = d.signal;
  }
}

/** The worker cannot be used as configured (command not found, wrong protocol version): the user must fix it. */
export class ProcessWorkerUnavailableError extends EngineUnavailableError {
  readonly command: string;
  readonly lastExchange: string;
  constructor(what: string, d: WorkerErrorDetails) {
    super(workerMessage(what, d));
    this.command = d.command;
    this.lastExchange = d.lastExchange;
  }
}

/** The worker replied `kind: "oom"`: a finding (state `oom`), not a crash. */
export class ProcessWorkerOutOfMemoryError extends OutOfMemoryError {
  readonly command: string;
  readonly lastExchange: string;
  readonly replyFields?: Record<string, unknown>;
  constructor(what: string, d: WorkerErrorDetails) {
    super(workerMessage(what, d));
    this.command = d.command;
    this.lastExchange = d.lastExchange;
    if (d.replyFields !== undefined) this.replyFields = d.replyFields;
  }
}

/** Quotes argv for messages the way a POSIX shell would read it back. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}
