/**
 * One user worker process and its protocol channel: spawn (argv, no shell), one request in
 * flight at a time, per-call reply timeout, and a kill that reaches the worker's whole
 * process group. Invariant: once the channel is broken (death, timeout, garbage) every
 * later request fails with the same error, and the worker is being killed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { timerDelayMs } from "../../timers.js";
import {
  MAX_LINE_BYTES,
  ProtocolViolation,
  clip,
  parseReply,
  type OkReply,
  type Reply,
  type Request,
} from "./protocol.js";
import {
  ProcessWorkerError,
  ProcessWorkerOutOfMemoryError,
  ProcessWorkerUnavailableError,
  formatCommand,
  type WorkerErrorDetails,
} from "./errors.js";

/** Lines of the worker's stderr kept for error messages. */
const STDERR_TAIL_LINES = 20;
/** After the worker exits, how long to wait for its last stdout/stderr bytes when the pipes stay open (a grandchild holds them). */
const DRAIN_AFTER_EXIT_MS = 200;

export interface WorkerSpawnOptions {
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called with each line the worker writes to stderr (without the newline). */
  onStderrLine?: (line: string) => void;
}

/** A request without its id (the channel numbers requests). */
export type RequestBody = WithoutId<Request>;
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

interface Pending {
  id: number;
  op: string;
  resolve: (reply: OkReply) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** Workers still alive, killed synchronously if this process exits without closing them. */
const live = new Set<WorkerProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const w of live) w.killNow("SIGKILL");
  });
}

export class WorkerProcess {
  readonly command: string;
  private readonly child: ChildProcess;
  private nextId = 1;
  private pending: Pending | null = null;
  private lastSent: string | null = null;
  /** CLOCK_MONOTONIC ns when the last request was written and when the last reply line arrived. */
  private sentNs = 0;
  private gotNs = 0;
  private lastGot: string | null = null;
  private fatal: Error | null = null;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private stdoutEnded = false;
  private stderrEnded = false;
  private stdoutBuf: Buffer[] = [];
  private stdoutBufBytes = 0;
  private stderrPartial = "";
  private readonly stderrTail: string[] = [];
  private closing = false;
  private readonly exited: Promise<void>;
  private markExited!: () => void;
  private deathHandled = false;

  constructor(private readonly opts: WorkerSpawnOptions) {
    this.command = formatCommand(opts.argv);
    this.exited = new Promise((resolve) => (this.markExited = resolve));
    const [file, ...args] = opts.argv;
    if (file === undefined) throw new Error("process worker: empty command");
    installExitHook();
    // detached: the worker leads its own process group, so a kill reaches anything it started
    // (a shell wrapper's python, a launcher's children).
    this.child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
      shell: false,
    });
    live.add(this);
    this.child.on("error", (err: NodeJS.ErrnoException) => this.onSpawnError(err));
    this.child.on("exit", (code, signal) => this.onExit(code, signal));
    this.child.stdin?.on("error", () => {
      // EPIPE when the worker is gone: its exit is reported through onExit, with the exit code.
    });
    this.child.stdout?.on("data", (chunk: Buffer) => this.onStdout(chunk));
    this.child.stdout?.on("end", () => {
      this.stdoutEnded = true;
      this.maybeHandleDeath();
    });
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (chunk: string) => this.onStderr(chunk));
    this.child.stderr?.on("end", () => {
      this.stderrEnded = true;
      this.maybeHandleDeath();
    });
  }

  /** The spawned process's pid; undefined when spawning failed. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get isAlive(): boolean {
    return this.exitInfo === null && this.child.pid !== undefined && !this.deathHandled;
  }

  /** The id the next request will carry. */
  nextRequestId(): number {
    return this.nextId;
  }

  /** CLOCK_MONOTONIC ns (this process) bracketing the last exchange: request written, reply line read. */
  exchangeWindowNs(): { sentNs: number; gotNs: number } {
    return { sentNs: this.sentNs, gotNs: this.gotNs };
  }

  /** `sent …; got …` for error messages and results. */
  lastExchange(): string {
    if (this.lastSent === null) return "none (no request sent yet)";
    return `sent ${clip(this.lastSent)}; ${this.lastGot === null ? "no reply" : `got ${clip(this.lastGot)}`}`;
  }

  private details(extra: Partial<WorkerErrorDetails> = {}): WorkerErrorDetails {
    return { command: this.command, lastExchange: this.lastExchange(), stderrTail: [...this.stderrTail], ...extra };
  }

  /**
   * Sends one request and resolves with its ok reply. Rejects with ProcessWorkerOutOfMemoryError
   * for `kind: "oom"`, ProcessWorkerError for an error reply, death, timeout or protocol error.
   */
  request(body: RequestBody, timeoutMs: number): Promise<OkReply> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.pending) {
      return Promise.reject(
        new Error(
          `process worker \`${this.command}\`: ${body.op} called while ${this.pending.op} (id ${this.pending.id}) is still waiting for its reply`,
        ),
      );
    }
    if (this.exitInfo || this.deathHandled) return Promise.reject(this.deathError(`before ${body.op}`));
    const id = this.nextId++;
    const line = JSON.stringify({ id, ...body });
    this.lastSent = line;
    this.lastGot = null;
    return new Promise<OkReply>((resolve, reject) => {
      const timer = setTimeout(() => this.onTimeout(id, body.op, timeoutMs), timerDelayMs(timeoutMs));
      this.pending = { id, op: body.op, resolve, reject, timer };
      this.sentNs = Number(process.hrtime.bigint());
      this.child.stdin?.write(`${line}\n`);
    });
  }

  private settle(fn: (p: Pending) => void): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    fn(p);
  }

  /** Breaks the channel for good: rejects what is in flight, fails every later call, kills the worker. */
  private breakChannel(err: Error): void {
    if (!this.fatal) this.fatal = err;
    this.settle((p) => p.reject(err));
    this.killNow("SIGKILL");
  }

  private onTimeout(id: number, op: string, timeoutMs: number): void {
    if (this.pending?.id !== id) return;
    const s = timeoutMs / 1000;
    this.breakChannel(
      new ProcessWorkerError(
        `timed out after ${s} s waiting for the reply to ${op} (id ${id}); the worker was killed`,
        this.details({ reason: "timeout" }),
      ),
    );
  }

  private onSpawnError(err: NodeJS.ErrnoException): void {
    if (this.child.pid !== undefined) {
      // An error after a successful spawn (e.g. a failed kill): the exit event reports the outcome.
      return;
    }
    const what =
      err.code === "ENOENT"
        ? `command not found (ENOENT): "${this.opts.argv[0]}" is not on PATH or does not exist relative to ${this.opts.cwd}`
        : err.code === "EACCES"
          ? `command cannot be executed (EACCES): "${this.opts.argv[0]}" is not executable`
          : `could not start the worker: ${err.message}`;
    const e = new ProcessWorkerUnavailableError(what, this.details());
    this.fatal = e;
    this.deathHandled = true;
    this.settle((p) => p.reject(e));
    live.delete(this);
    this.markExited();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exitInfo = { code, signal };
    live.delete(this);
    this.markExited();
    if (this.stdoutEnded && this.stderrEnded) this.handleDeath();
    else setTimeout(() => this.handleDeath(), DRAIN_AFTER_EXIT_MS).unref();
  }

  /** Death is reported once both pipes are drained (a last reply or last words may trail the exit). */
  private maybeHandleDeath(): void {
    if (this.exitInfo && this.stdoutEnded && this.stderrEnded) this.handleDeath();
  }

  private deathError(when: string): Error {
    const info = this.exitInfo;
    const how =
      info?.signal != null
        ? `was killed by signal ${info.signal}`
        : info?.code != null
          ? `exited with code ${info.code}`
          : "exited";
    const extra: Partial<WorkerErrorDetails> = { reason: "exit" };
    if (info?.code != null) extra.exitCode = info.code;
    if (info?.signal != null) extra.signal = info.signal;
    return new ProcessWorkerError(`worker ${how} ${when}`, this.details(extra));
  }

  private handleDeath(): void {
    if (this.deathHandled) return;
    this.deathHandled = true;
    this.flushStderr();
    const p = this.pending;
    if (p) {
      const err = this.deathError(`while waiting for the reply to ${p.op} (id ${p.id})`);
      if (!this.fatal) this.fatal = err;
      this.settle((q) => q.reject(err));
    } else if (!this.fatal && !this.closing) {
      this.fatal = this.deathError("between calls");
    }
  }

  private onStdout(chunk: Buffer): void {
    if (this.fatal) return;
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.stdoutBuf.push(chunk.subarray(start, nl));
      const line = Buffer.concat(this.stdoutBuf).toString("utf8").replace(/\r$/, "");
      this.stdoutBuf = [];
      this.stdoutBufBytes = 0;
      start = nl + 1;
      this.onLine(line);
      if (this.fatal) return;
    }
    if (start < chunk.length) {
      this.stdoutBuf.push(chunk.subarray(start));
      this.stdoutBufBytes += chunk.length - start;
      if (this.stdoutBufBytes > MAX_LINE_BYTES) {
        const head = Buffer.concat(this.stdoutBuf).subarray(0, 200).toString("utf8");
        this.breakChannel(
          new ProcessWorkerError(
            `protocol error: expected a JSON line, got more than ${MAX_LINE_BYTES} bytes without a newline, starting ${JSON.stringify(head)}`,
            this.details({ reason: "protocol" }),
          ),
        );
      }
    }
  }

  private onLine(line: string): void {
    if (line.trim() === "") return; // blank lines carry nothing; tolerated
    let reply: Reply;
    try {
      reply = parseReply(line);
    } catch (err) {
      if (!(err instanceof ProtocolViolation)) throw err;
      this.lastGot = line;
      const hint = " (anything but protocol replies must go to stderr)";
      this.breakChannel(
        new ProcessWorkerError(`protocol error: ${err.message}${hint}`, this.details({ reason: "protocol" })),
      );
      return;
    }
    const p = this.pending;
    this.lastGot = line;
    this.gotNs = Number(process.hrtime.bigint());
    if (!p) {
      this.breakChannel(
        new ProcessWorkerError(
          `protocol error: got a reply while no request was outstanding: ${clip(line)}`,
          this.details({ reason: "protocol" }),
        ),
      );
      return;
    }
    if (reply.id !== null && reply.id !== p.id) {
      this.breakChannel(
        new ProcessWorkerError(
          `protocol error: expected the reply to id ${p.id}, got id ${reply.id}`,
          this.details({ reason: "protocol" }),
        ),
      );
      return;
    }
    if (reply.ok) {
      this.settle((q) => q.resolve(reply));
    } else if (reply.kind === "oom") {
      const e = new ProcessWorkerOutOfMemoryError(
        `out of memory in ${p.op}: ${reply.error}`,
        this.details({ replyFields: reply.fields }),
      );
      this.settle((q) => q.reject(e));
    } else {
      const e = new ProcessWorkerError(
        `${p.op} failed: ${reply.error}`,
        this.details({ reason: "reply", workerError: reply.error, replyFields: reply.fields }),
      );
      this.settle((q) => q.reject(e));
    }
  }

  private onStderr(chunk: string): void {
    const parts = (this.stderrPartial + chunk).split("\n");
    this.stderrPartial = parts.pop() ?? "";
    for (const line of parts) this.pushStderr(line.replace(/\r$/, ""));
    if (this.stderrPartial.length > 4096) this.flushStderr();
  }

  private flushStderr(): void {
    if (this.stderrPartial !== "") this.pushStderr(this.stderrPartial);
    this.stderrPartial = "";
  }

  private pushStderr(line: string): void {
    this.stderrTail.push(clip(line, 300));
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    this.opts.onStderrLine?.(line);
  }

  /** Signals the worker's process group now (synchronous; safe in an exit handler). */
  killNow(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exitInfo) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        // already gone
      }
    }
  }

  private waitExit(ms: number): Promise<boolean> {
    if (this.exitInfo || this.child.pid === undefined) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Ends the worker: asks it to shut down (when the channel is healthy), waits up to graceMs,
   * then SIGTERM, then SIGKILL. Resolves once the worker has exited (or could not be started).
   */
  async close(graceMs: number): Promise<void> {
    if (this.closing) {
      await this.waitExit(graceMs + 2000);
      return;
    }
    this.closing = true;
    if (this.pending) {
      const op = this.pending.op;
      this.breakChannel(
        new ProcessWorkerError(`closed while waiting for the reply to ${op}`, this.details({ reason: "closed" })),
      );
    }
    if (!this.fatal && this.isAlive) {
      try {
        await this.request({ op: "shutdown" }, graceMs);
      } catch {
        // a worker that cannot shut down cleanly is killed below
      }
    }
    this.child.stdin?.end();
    if (!(await this.waitExit(graceMs))) {
      this.killNow("SIGTERM");
      if (!(await this.waitExit(1000))) {
        this.killNow("SIGKILL");
        await this.waitExit(5000);
      }
    }
    // The leader is gone; also end anything left in its process group (it may have started children).
    const pid = this.child.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // no such group: nothing left
      }
    }
    live.delete(this);
  }
}
