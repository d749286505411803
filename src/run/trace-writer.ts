/**
 * Streams the per-iteration trace of one strategy to CSV — the same format
 * `vramgate analyze` reads (iteration, time_ms, used_bytes, other *_bytes columns) —
 * so full resolution is kept on disk while memory holds only bounded summaries.
 *
 * The file is opened when the writer is made, so an unusable path (a folder where the file
 * belongs, a name too long, a read-only disk) fails the run's start with a PathError (exit 2)
 * instead of an uncaught error later. A failure while writing (disk full) never throws into
 * the sampling loop: the trace is cut back to its last complete line, the writer stops, and
 * `onError` says so once (the results JSON, not the trace, carries the run).
 */
import { dirname } from "node:path";
import { fsError, type PathError, type DiskError } from "../errors.js";
import { ensureFolder, realFs, type AtomicFs } from "../io/atomic-write.js";

function snakeCase(signal: string): string {
  return signal.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** The calls the trace writer makes (node:fs by default; tests inject faults). */
export interface TraceFs extends AtomicFs {
  ftruncateSync(fd: number, len: number): void;
}

export interface TraceWriterOptions {
  fs?: TraceFs;
  /** Told once when writing fails; the default prints a warning on stderr. */
  onError?(error: Error): void;
}

const FLUSH_AT = 1 << 16;
const WHAT = "a CSV trace";

export class TraceWriter {
  private fd: number | undefined;
  private columns: string[] | undefined;
  private buffer = "";
  /** Bytes on disk that end with a complete line. */
  private goodBytes = 0;
  private rows = 0;
  private readonly fs: TraceFs;
  private readonly onError: (error: Error) => void;
  /** The failure that stopped the trace, when one did. */
  error: PathError | DiskError | Error | undefined;

  constructor(
    readonly path: string,
    private readonly primarySignal: string,
    opts: TraceWriterOptions = {},
  ) {
    this.fs = opts.fs ?? (realFs as TraceFs);
    this.onError = opts.onError ?? ((e) => void process.stderr.write(`\nvramgate: warning: ${e.message}\n`));
    ensureFolder(dirname(path), { what: WHAT }, this.fs);
    try {
      this.fd = this.fs.openSync(path, "w", 0o666);
    } catch (e) {
      throw fsError(e, { path, op: "write", what: WHAT });
    }
  }

  write(iteration: number, timeMs: number, latencyMs: number, shape: string, signals: Record<string, number>): void {
    if (this.fd === undefined) return;
    if (!this.columns) {
      this.columns = Object.keys(signals).sort();
      const extra = this.columns.map((c) => snakeCase(c));
      this.buffer += `${["iteration", "time_ms", "latency_ms", "shape", "used_bytes", ...extra].join(",")}\n`;
    }
    const used = signals[this.primarySignal];
    const cells = [String(iteration), timeMs.toFixed(3), latencyMs.toFixed(4), shape, fmt(used)];
    for (const c of this.columns) cells.push(fmt(signals[c]));
    this.buffer += `${cells.join(",")}\n`;
    this.rows++;
    if (this.buffer.length > FLUSH_AT) this.flush();
  }

  /** Writes the buffered lines; on failure stops the trace (never throws). */
  flush(): void {
    if (this.fd === undefined || !this.buffer) return;
    const buf = Buffer.from(this.buffer);
    this.buffer = "";
    try {
      let off = 0;
      while (off < buf.length) {
        const n = this.fs.writeSync(this.fd, buf, off, buf.length - off);
        if (!(n > 0))
          throw Object.assign(new Error(`short write: ${off} of ${buf.length} bytes`), { code: "SHORT_WRITE" });
        off += n;
      }
      this.goodBytes += buf.length;
    } catch (e) {
      this.fail(e);
    }
  }

  /** Flushes and closes; on failure stops the trace (never throws). Idempotent. */
  close(): void {
    this.flush();
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    try {
      this.fs.closeSync(fd);
    } catch (e) {
      this.fd = undefined;
      this.report(e);
    }
  }

  /** Data rows handed to the writer. */
  get rowsWritten(): number {
    return this.rows;
  }

  private fail(e: unknown): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) {
      // Cut a half-written line off, so the trace stays a valid CSV of whole rows.
      try {
        this.fs.ftruncateSync(fd, this.goodBytes);
      } catch {
        /* the trace may end mid-line; analyze reports that line */
      }
      try {
        this.fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    this.report(e);
  }

  private report(e: unknown): void {
    if (this.error) return;
    const translated = fsError(e, {
      path: this.path,
      op: "write",
      what: WHAT,
      note: `The trace stops here (${this.goodBytes.toLocaleString("en-US")} bytes kept, whole lines only); the run goes on and its results JSON is unaffected.`,
    });
    this.error = translated instanceof Error ? translated : new Error(String(translated));
    this.onError(this.error);
  }
}

function fmt(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? "" : String(Math.round(v));
}
