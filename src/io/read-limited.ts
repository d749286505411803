/**
 * Reading untrusted input files with bounded time and memory: only regular files (a folder,
 * a pipe, /dev/zero or a socket is refused with a message, and opening never blocks on a
 * FIFO), at most a size limit, and for streamed text at most a line length and a line count.
 *
 * Limits (defaults; each can be changed with its environment variable, in MiB or lines):
 *
 * | input             | default  | variable                      |
 * |-------------------|----------|-------------------------------|
 * | scenario YAML     | 1 MiB    | VRAMGATE_MAX_SCENARIO_MIB     |
 * | results JSON      | 32 MiB   | VRAMGATE_MAX_RESULTS_MIB      |
 * | CSV trace         | 256 MiB  | VRAMGATE_MAX_TRACE_MIB        |
 * | CSV trace lines   | 4194304  | VRAMGATE_MAX_TRACE_LINES      |
 * | one CSV line      | 64 KiB   | VRAMGATE_MAX_LINE_KIB         |
 *
 * Every refusal is an InputError (exit 2) that names the file, the limit, what was found and
 * the variable that raises the limit.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { gunzipSync } from "node:zlib";
import { InputError, fsError, kindOf, type InputProblem } from "../errors.js";

const MiB = 1024 * 1024;

export interface Limit {
  /** Default value. */
  value: number;
  /** Environment variable that overrides it. */
  env: string;
  /** Unit of the variable: bytes are given in MiB or KiB, lines as a count. */
  unit: "MiB" | "KiB" | "lines";
}

export const LIMITS = {
  scenario: { value: 1, env: "VRAMGATE_MAX_SCENARIO_MIB", unit: "MiB" },
  results: { value: 32, env: "VRAMGATE_MAX_RESULTS_MIB", unit: "MiB" },
  trace: { value: 256, env: "VRAMGATE_MAX_TRACE_MIB", unit: "MiB" },
  traceLines: { value: 4 * 1024 * 1024, env: "VRAMGATE_MAX_TRACE_LINES", unit: "lines" },
  line: { value: 64, env: "VRAMGATE_MAX_LINE_KIB", unit: "KiB" },
} as const satisfies Record<string, Limit>;

/** A limit's value in bytes (or lines), from its environment variable when set. */
export function limitValue(limit: Limit, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[limit.env];
  const scale = limit.unit === "MiB" ? MiB : limit.unit === "KiB" ? 1024 : 1;
  if (raw === undefined || raw.trim() === "") return limit.value * scale;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InputError(
      `${limit.env}: expected a number > 0 (${limit.unit}), found ${JSON.stringify(raw.slice(0, 80))}.`,
    );
  }
  return Math.max(1, Math.floor(n * scale));
}

/** "64 MiB", "1.5 KiB", "123 bytes". */
function formatBytes(n: number): string {
  if (n >= MiB) return `${+(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} byte${n === 1 ? "" : "s"}`;
}

export interface InputFileOptions {
  /** What the file should be, for messages: "a results JSON", "a scenario file (YAML)". */
  what: string;
  /** Size limit; the default is `limit`'s value. */
  maxBytes?: number;
  /** The limit (and its variable) to apply and name in messages. */
  limit?: Limit;
  /** The name to show for the file (default: the path as given). */
  display?: string;
}

function resolveMax(opts: InputFileOptions): { maxBytes: number; limit: Limit | undefined } {
  if (opts.maxBytes !== undefined) return { maxBytes: opts.maxBytes, limit: opts.limit };
  if (opts.limit) return { maxBytes: limitValue(opts.limit), limit: opts.limit };
  return { maxBytes: limitValue(LIMITS.results), limit: LIMITS.results };
}

function raiseHint(limit: Limit | undefined): string {
  return limit
    ? ` If the file is genuine, raise the limit with ${limit.env}=<${limit.unit === "lines" ? "lines" : limit.unit}>.`
    : "";
}

function tooBig(file: string, what: string, maxBytes: number, found: string, limit: Limit | undefined): InputError {
  return new InputError([
    { file, expected: `${what} of at most ${formatBytes(maxBytes)}`, found, hint: raiseHint(limit).trim() },
  ]);
}

/** Throws when `st` is not a regular file. */
function requireRegular(st: Stats, file: string, what: string): void {
  if (st.isFile()) return;
  const found = kindOf(st);
  const hint = st.isDirectory()
    ? "Name a file inside it."
    : st.isFIFO()
      ? "Save the output to a file first (e.g. `cmd > trace.csv`), then name that file."
      : "Name a regular file.";
  throw new InputError([{ file, expected: `${what} (a regular file)`, found, hint }]);
}

/**
 * Checks that `path` is a regular file within the size limit (a FIFO is refused from its
 * stat, before anything could block on opening it) that can be read.
 */
export function checkInputFile(path: string, opts: InputFileOptions): void {
  const file = opts.display ?? path;
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw fsError(e, { path: file, op: "read", what: opts.what });
  }
  requireRegular(st, file, opts.what);
  const { maxBytes, limit } = resolveMax(opts);
  if (st.size > maxBytes) throw tooBig(file, opts.what, maxBytes, `${formatBytes(st.size)}`, limit);
  // A regular file can still refuse to be read (EIO from /proc/self/mem, EACCES): find out now.
  const { fd } = openChecked(path, { ...opts, maxBytes, ...(limit ? { limit } : {}) });
  try {
    readSync(fd, Buffer.alloc(1), 0, 1, 0);
  } catch (e) {
    throw fsError(e, { path: file, op: "read", what: opts.what });
  } finally {
    closeSync(fd);
  }
}

/** Opens read-only without blocking (O_NONBLOCK: a FIFO with no writer would block) and checks the file. */
function openChecked(path: string, opts: InputFileOptions): { fd: number; size: number } {
  const file = opts.display ?? path;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fsError(e, { path: file, op: "read", what: opts.what });
  }
  try {
    const st = fstatSync(fd);
    requireRegular(st, file, opts.what);
    const { maxBytes, limit } = resolveMax(opts);
    if (st.size > maxBytes) throw tooBig(file, opts.what, maxBytes, formatBytes(st.size), limit);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Reads a whole input file: a regular file of at most the size limit (a file that grows
 * past the limit while being read is refused too). Returns the bytes.
 */
function readInputBytes(path: string, opts: InputFileOptions): Buffer {
  const file = opts.display ?? path;
  const { maxBytes, limit } = resolveMax(opts);
  const { fd, size } = openChecked(path, { ...opts, maxBytes, ...(limit ? { limit } : {}) });
  try {
    // One byte more than allowed tells a file that grew past the limit from one that fits.
    let buf = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        if (len > maxBytes)
          throw tooBig(
            file,
            opts.what,
            maxBytes,
            `more than ${formatBytes(maxBytes)} (it grew while being read)`,
            limit,
          );
        const next = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(next, 0, 0, len);
        buf = next;
      }
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
      if (len > maxBytes)
        throw tooBig(file, opts.what, maxBytes, `more than ${formatBytes(maxBytes)} (it grew while being read)`, limit);
    }
    return buf.subarray(0, len);
  } catch (e) {
    throw fsError(e, { path: file, op: "read", what: opts.what });
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole input file as UTF-8 text (see readInputBytes). */
export function readInputFile(path: string, opts: InputFileOptions): string {
  return readInputBytes(path, opts).toString("utf8");
}

/** Whether bytes start with gzip's magic number (1f 8b). */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Reads a whole input file as UTF-8 text, decompressing it first when it is gzip (found by
 * its magic number, whatever its name). The limit holds for the file and again for its
 * decompressed text, so a small file that inflates to gigabytes is refused, not read.
 */
export function readInputMaybeGzip(path: string, opts: InputFileOptions): string {
  const bytes = readInputBytes(path, opts);
  if (!isGzip(bytes)) return bytes.toString("utf8");
  const file = opts.display ?? path;
  const { maxBytes, limit } = resolveMax(opts);
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes }).toString("utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) {
      throw tooBig(file, opts.what, maxBytes, `more than ${formatBytes(maxBytes)} once decompressed`, limit);
    }
    throw new InputError([
      {
        file,
        expected: `${opts.what} (gzip-compressed: it starts with gzip's magic number)`,
        found: `a damaged gzip stream (${(e as Error).message})`,
      },
    ]);
  }
}

export interface StreamOptions extends InputFileOptions {
  /** Longest line in bytes (default: LIMITS.line). */
  maxLineBytes?: number;
  /** Most lines (default: unlimited). */
  maxLines?: number;
  /** The limit for lines, named in messages. */
  linesLimit?: Limit;
}

/** An input file opened for streaming: chunks stop with an InputError at any limit. */
export interface InputStream {
  /** Chunks of at most `highWaterMark` bytes (1 MiB default), checked against the limits. */
  createReadStream(opts?: { highWaterMark?: number }): AsyncIterable<Buffer>;
  close(): Promise<void>;
}

/**
 * Opens an input file for streaming (CSV traces): a regular file within the size limit,
 * whose chunks are checked for line length and line count as they are read, so one 128 MiB
 * line or 10^8 short ones stop early with a message instead of filling memory.
 */
export async function openInputFile(path: string, opts: StreamOptions): Promise<InputStream> {
  const file = opts.display ?? path;
  const { maxBytes, limit } = resolveMax(opts);
  const { fd } = openChecked(path, { ...opts, maxBytes, ...(limit ? { limit } : {}) });
  const maxLine = opts.maxLineBytes ?? limitValue(LIMITS.line);
  const maxLines = opts.maxLines ?? Number.POSITIVE_INFINITY;
  let closed = false;
  const problem = (p: Omit<InputProblem, "file">): InputError => new InputError([{ file, ...p }]);

  async function* chunks(highWaterMark: number): AsyncGenerator<Buffer> {
    let total = 0;
    let line = 1;
    let lineBytes = 0;
    for (;;) {
      if (closed) return;
      const buf = Buffer.allocUnsafe(highWaterMark);
      let n: number;
      try {
        n = readSync(fd, buf, 0, highWaterMark, null);
      } catch (e) {
        throw fsError(e, { path: file, op: "read", what: opts.what });
      }
      if (n === 0) return;
      total += n;
      if (total > maxBytes)
        throw tooBig(file, opts.what, maxBytes, `more than ${formatBytes(maxBytes)} (it grew while being read)`, limit);
      const chunk = buf.subarray(0, n);
      for (let s = 0; s < n; ) {
        const nl = chunk.indexOf(10, s);
        const end = nl < 0 ? n : nl;
        lineBytes += end - s;
        if (lineBytes > maxLine) {
          throw problem({
            line,
            col: 1,
            expected: `lines of at most ${formatBytes(maxLine)}`,
            found: `line ${line.toLocaleString("en-US")} longer than that`,
            hint: raiseHint(LIMITS.line).trim(),
          });
        }
        if (nl < 0) break;
        line++;
        lineBytes = 0;
        if (line - 1 > maxLines) {
          throw problem({
            line,
            col: 1,
            expected: `${opts.what} of at most ${maxLines.toLocaleString("en-US")} lines`,
            found: "more lines",
            hint: raiseHint(opts.linesLimit).trim(),
          });
        }
        s = nl + 1;
      }
      yield chunk;
      // Let other work run between chunks, as a stream would.
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  return {
    createReadStream: (o = {}) => chunks(Math.max(4096, o.highWaterMark ?? 1 << 20)),
    close: async () => {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
