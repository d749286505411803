/**
 * Durable, atomic file writes: readers see the old content or the new, never half, and a
 * failure never replaces a good file with a bad one.
 *
 * 1. create the folder (and fsync its parent, so the new entry survives a power cut);
 * 2. write a temporary file *in the target's folder* (`.<name>.<pid>.<random>.tmp`, created
 *    exclusively), checking the byte count of every write (a short write is a failure);
 * 3. fsync it, check its size, close it (close errors count: some filesystems report
 *    deferred write errors there);
 * 4. rename it over the target, then fsync the folder.
 * On any failure before the rename the temporary file is removed and the target is left as
 * it was; the error (PathError, exit 2, or DiskError, exit 3, from src/errors.ts) names the
 * path, what is wrong, what to do, and whether the previous file is intact.
 *
 * The filesystem calls are injectable (`AtomicFs`) so faults can be tested anywhere.
 */
import * as nodeFs from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { clip, fsError, kindOf, type FsContext } from "../errors.js";

/** The synchronous fs calls the writer uses (node:fs by default; tests inject faults). */
export interface AtomicFs {
  openSync(path: string, flags: string | number, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  fstatSync(fd: number): { size: number };
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  mkdirSync(path: string): unknown;
  statSync(path: string): { isDirectory(): boolean; isFile(): boolean };
  accessSync(path: string, mode?: number): void;
}

export const realFs: AtomicFs = nodeFs as unknown as AtomicFs;

export interface AtomicWriteOptions {
  /** What the file is, for messages: "the results JSON", "the JUnit report (--junit)". */
  what?: string;
  /** What to do when the path is unusable, e.g. "Choose another --out folder." */
  advice?: string;
  fs?: AtomicFs;
}

/** Most bytes of a file name on the filesystems we meet (NAME_MAX). */
const NAME_MAX_BYTES = 255;

/** A short description of a file from its name, for messages when the caller gave none. */
function describeFile(path: string): string {
  const p = path.toLowerCase();
  if (p.endsWith(".json")) return "the results JSON";
  if (p.endsWith(".md")) return "the markdown report";
  if (p.endsWith(".svg")) return "a report chart";
  if (p.endsWith(".xml")) return "the JUnit report";
  if (p.endsWith(".csv")) return "a CSV trace";
  if (p.endsWith(".onnx")) return "the model";
  return "the file";
}

/** `s` cut to at most `maxBytes` UTF-8 bytes without splitting a character. */
function cutBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = "";
  let bytes = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > maxBytes) break;
    out += ch;
    bytes += b;
  }
  return out;
}

/** A temporary name beside `path` that fits in NAME_MAX even when the target's name nearly fills it. */
export function tempPathFor(path: string): string {
  const suffix = `.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const stem = cutBytes(basename(path), NAME_MAX_BYTES - 1 - Buffer.byteLength(suffix));
  return join(dirname(path), `.${stem}${suffix}`);
}

/** fsync a folder so renames and new entries in it are durable; filesystems that cannot are skipped. */
function syncFolder(fs: AtomicFs, dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch (e) {
    // EIO means the folder's update may be lost: that is the machine's fault, say so.
    if ((e as NodeJS.ErrnoException).code === "EIO") throw e;
    // EINVAL/ENOTSUP/EACCES/EISDIR: this filesystem does not sync folders; nothing to do.
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* closing a read-only folder handle cannot lose data */
      }
    }
  }
}

/**
 * Creates `dir` and its missing parents, one mkdir each, top down; returns the top-most
 * folder created. (Not `mkdirSync(…, { recursive: true })`: on /proc, where mkdir says
 * ENOENT under a folder that exists, Node 20's recursive mkdir loops forever.)
 */
function makeFolders(fs: AtomicFs, dir: string): string | undefined {
  const missing: string[] = [];
  let p = resolve(dir);
  for (;;) {
    try {
      if (!fs.statSync(p).isDirectory()) throw Object.assign(new Error(`${p} is not a folder`), { code: "ENOTDIR" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      missing.push(p);
      const up = dirname(p);
      if (up === p) throw e;
      p = up;
    }
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      // Made meanwhile by someone else (a concurrent run): fine if it is a folder.
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || !fs.statSync(d).isDirectory()) throw e;
    }
  }
  return missing[0];
}

/** Creates `dir` (and parents); fsyncs the parent of the first folder created. */
export function ensureFolder(dir: string, ctx: Omit<FsContext, "path" | "op">, fs: AtomicFs = realFs): void {
  try {
    const first = makeFolders(fs, dir);
    if (first !== undefined) syncFolder(fs, dirname(first));
  } catch (e) {
    throw fsError(e, { ...ctx, path: dir, op: "create-folder" });
  }
  try {
    if (!fs.statSync(dir).isDirectory()) {
      throw Object.assign(new Error(`${dir} is not a folder`), { code: "ENOTDIR" });
    }
  } catch (e) {
    throw fsError(e, { ...ctx, path: dir, op: "create-folder" });
  }
}

/** Writes all of `buf` to `fd` from `offset`, or throws SHORT_WRITE when the disk takes nothing more. */
function writeAll(fs: AtomicFs, fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    const n = fs.writeSync(fd, buf, off, buf.length - off);
    if (!(n > 0)) throw Object.assign(new Error(`short write: ${off} of ${buf.length} bytes`), { code: "SHORT_WRITE" });
    off += n;
  }
}

/**
 * A file written in pieces and then published atomically with `commit()` (or dropped with
 * `abort()`). Until commit, the target is untouched.
 */
export class AtomicFileWriter {
  private fd: number | undefined;
  private written = 0;
  private done = false;
  readonly tmp: string;
  private readonly fs: AtomicFs;
  private readonly what: string;
  private readonly advice: string | undefined;
  /** Whether a file was at the target when writing began (said in messages: it is kept). */
  private readonly hadTarget: boolean;

  constructor(
    readonly path: string,
    opts: AtomicWriteOptions = {},
  ) {
    this.fs = opts.fs ?? realFs;
    this.what = opts.what ?? describeFile(path);
    this.advice = opts.advice;
    const dir = dirname(path);
    ensureFolder(dir, this.ctxBase(), this.fs);
    let hadTarget = false;
    try {
      const st = this.fs.statSync(path);
      if (st.isDirectory()) throw Object.assign(new Error(`${path} is a folder`), { code: "EISDIR" });
      // Never rename over a device, pipe or socket (as root that would replace /dev/null).
      if (!st.isFile()) throw Object.assign(new Error(kindOf(st)), { code: "NOT_REGULAR" });
      hadTarget = true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") throw this.error(e, false);
    }
    this.hadTarget = hadTarget;
    this.tmp = tempPathFor(path);
    try {
      // Exclusive create: never write through someone else's file or link.
      this.fd = this.fs.openSync(this.tmp, "wx", 0o666);
    } catch (e) {
      throw this.error(e, false);
    }
  }

  private ctxBase(): Omit<FsContext, "path" | "op"> {
    return { what: this.what, ...(this.advice ? { advice: this.advice } : {}) };
  }

  private error(e: unknown, cleanup = true): unknown {
    if (cleanup) this.discard();
    const note = this.hadTarget
      ? `The previous ${clip(basename(this.path), 100)} is left intact (it holds what was written before).`
      : "Nothing was written.";
    return fsError(e, { ...this.ctxBase(), path: this.path, op: "write", note });
  }

  /** Appends bytes (the whole buffer, or a DiskError for a short write). */
  write(data: string | Uint8Array): void {
    if (this.done || this.fd === undefined)
      throw new Error(`AtomicFileWriter: write after ${this.done ? "commit/abort" : "close"}`);
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    try {
      writeAll(this.fs, this.fd, buf);
      this.written += buf.length;
    } catch (e) {
      throw this.error(e);
    }
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.written;
  }

  /** fsync, verify the size, close, rename over the target, fsync the folder. */
  commit(): void {
    if (this.done || this.fd === undefined) throw new Error("AtomicFileWriter: commit twice");
    try {
      const fd = this.fd;
      this.fs.fsyncSync(fd);
      const size = this.fs.fstatSync(fd).size;
      if (size !== this.written)
        throw Object.assign(new Error(`the file holds ${size} of ${this.written} bytes`), { code: "SHORT_WRITE" });
      this.fd = undefined;
      this.fs.closeSync(fd);
      this.fs.renameSync(this.tmp, this.path);
    } catch (e) {
      throw this.error(e);
    }
    this.done = true;
    try {
      syncFolder(this.fs, dirname(this.path));
    } catch (e) {
      throw fsError(e, {
        ...this.ctxBase(),
        path: this.path,
        op: "write",
        note: "The file was renamed into place, but the folder could not be synced to disk.",
      });
    }
  }

  /** Drops the temporary file; the target stays as it was. Safe to call more than once. */
  abort(): void {
    this.discard();
  }

  private discard(): void {
    if (this.done) return;
    this.done = true;
    if (this.fd !== undefined) {
      try {
        this.fs.closeSync(this.fd);
      } catch {
        /* the file is being removed anyway */
      }
      this.fd = undefined;
    }
    try {
      this.fs.unlinkSync(this.tmp);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Writes a file atomically and durably (see the module comment). Throws PathError (exit 2)
 * or DiskError (exit 3); the target is never left half-written and no temporary file stays.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const w = new AtomicFileWriter(path, opts);
  try {
    w.write(data);
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}

/**
 * Checks, without writing anything, that a file could be written at `path` (for paths
 * used only at the end of a run, e.g. --junit): not a folder, no file on the way, names not
 * too long, the nearest existing folder writable. Throws PathError (exit 2).
 */
export function preflightWrite(path: string, opts: AtomicWriteOptions = {}): void {
  const fs = opts.fs ?? realFs;
  const ctx: FsContext = {
    path,
    op: "write",
    what: opts.what ?? describeFile(path),
    ...(opts.advice ? { advice: opts.advice } : {}),
  };
  for (const name of path.split("/")) {
    if (Buffer.byteLength(name) > NAME_MAX_BYTES)
      throw fsError(Object.assign(new Error("name too long"), { code: "ENAMETOOLONG" }), ctx);
  }
  let p = path;
  let first = true;
  for (let i = 0; i < 4096; i++) {
    let st: { isDirectory(): boolean; isFile(): boolean } | undefined;
    try {
      st = fs.statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") throw fsError(e, ctx);
    }
    if (st) {
      if (first && st.isDirectory()) throw fsError(Object.assign(new Error("is a folder"), { code: "EISDIR" }), ctx);
      if (first && !st.isFile())
        throw fsError(Object.assign(new Error(kindOf(st as nodeFs.Stats)), { code: "NOT_REGULAR" }), ctx);
      if (!first && !st.isDirectory())
        throw fsError(Object.assign(new Error("not a folder"), { code: "ENOTDIR" }), ctx);
      if (!first) {
        try {
          fs.accessSync(p, nodeFs.constants.W_OK);
        } catch (e) {
          throw fsError(e, ctx);
        }
        return;
      }
    }
    first = false;
    const up = dirname(p);
    if (up === p) return;
    p = up;
  }
}

/** JSON with NaN/Infinity written as null (JSON has no NaN). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 1);
}
