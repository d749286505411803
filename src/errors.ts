/**
 * Every error that reaches the user as one clear message and an exit code, never a stack
 * trace (bottom layer: imports nothing of vramgate's).
 *
 * Exit codes: 0 all gates hold · 1 a gate failed · 2 bad input (scenario, flags, a file or
 * path the user gave) · 3 the run could not be carried out (engine missing, device error,
 * the machine refused: disk full, I/O error) · 130 interrupted.
 *
 * Filesystem errors go through `fsError`, which names the path, says what is wrong and what
 * to do, and picks the class: `PathError` (exit 2) when the path the user gave is unusable
 * (a folder where a file belongs, read-only, name too long, no such file), `DiskError`
 * (exit 3) when the machine is at fault (disk full, I/O error, too many open files).
 */
import { statSync } from "node:fs";
import { dirname } from "node:path";

export const EXIT = { ok: 0, gateFailed: 1, badInput: 2, runFailed: 3, interrupted: 130 } as const;

/** Most characters of a user's value quoted in a message. */
const QUOTE_MAX = 80;

/**
 * `s` cut to at most `max` characters (plus a note of the full length), so a 1 MiB name or a
 * 64 MiB cell never ends up whole in a message.
 */
export function clip(s: string, max = QUOTE_MAX): string {
  if (s.length <= max) return s;
  return `${s.slice(0, Math.max(1, max - 1))}… (${s.length.toLocaleString("en-US")} characters)`;
}

/**
 * A path for a message: at most `max` characters, keeping its start and its end (the file
 * name, the informative part) when it is cut.
 */
function clipPath(p: string, max = 120): string {
  if (p.length <= max) return p;
  const tail = Math.floor(max * 0.6);
  const head = max - tail - 1;
  return `${p.slice(0, head)}…${p.slice(-tail)} (${p.length.toLocaleString("en-US")} characters)`;
}

/** A value for a message: strings quoted, everything clipped to QUOTE_MAX characters. */
export function quote(v: unknown, max = QUOTE_MAX): string {
  if (typeof v === "string") return clip(JSON.stringify(v), max);
  return clip(String(v), max);
}

/** One problem in an input file, located as precisely as the file allows. */
export interface InputProblem {
  file: string;
  /** 1-based; absent when the problem is the whole file (e.g. missing). */
  line?: number;
  col?: number;
  /** YAML/JSON path such as `strategies[1]` or `profile.input.min`. */
  path?: string;
  /** What was expected, e.g. `one of persistent, teardown, scoped`. */
  expected: string;
  /** What was found, e.g. `"persistant" (string)`. */
  found: string;
  /** A did-you-mean or other hint. */
  hint?: string;
}

/** Limits on the parts of a problem, so no message echoes megabytes of what it quotes. */
const PART_MAX = { file: 120, path: 200, expected: 800, found: 160, hint: 400 } as const;

export function formatProblem(p: InputProblem): string {
  const file = clipPath(p.file, PART_MAX.file);
  const where = p.line !== undefined ? `${file}:${p.line}:${p.col ?? 1}` : file;
  const path = p.path ? ` ${clip(p.path, PART_MAX.path)}:` : "";
  const hint = p.hint ? ` ${clip(p.hint, PART_MAX.hint)}` : "";
  return `${where}:${path} expected ${clip(p.expected, PART_MAX.expected)}, found ${clip(p.found, PART_MAX.found)}.${hint}`;
}

/** Most problems listed in one message; the rest are counted. */
const MAX_PROBLEMS_SHOWN = 50;
/** Longest line of a free-text error message. */
const LINE_MAX = 1000;

function problemsMessage(list: readonly InputProblem[]): string {
  const shown = list.slice(0, MAX_PROBLEMS_SHOWN).map(formatProblem);
  if (list.length > MAX_PROBLEMS_SHOWN) shown.push(`… and ${list.length - MAX_PROBLEMS_SHOWN} more problems.`);
  return shown.join("\n");
}

function clipLines(text: string): string {
  const lines = text.split("\n");
  const out = lines.slice(0, 200).map((l) => clip(l, LINE_MAX));
  if (lines.length > 200) out.push(`… and ${lines.length - 200} more lines.`);
  return out.join("\n");
}

/** Base of every error with an exit code of its own. */
abstract class VramgateError extends Error {
  abstract readonly exitCode: number;
}

/** Bad input (scenario, flags, files): exit 2. */
export class InputError extends VramgateError {
  override name = "InputError";
  readonly exitCode: number = EXIT.badInput;
  readonly problems: InputProblem[];
  constructor(problems: InputProblem[] | string) {
    const list = typeof problems === "string" ? [] : problems;
    super(typeof problems === "string" ? clipLines(problems) : problemsMessage(list));
    this.problems = list;
  }
}

/** The run could not be carried out (engine missing, device error): exit 3. */
export class RunError extends VramgateError {
  override name = "RunError";
  readonly exitCode: number = EXIT.runFailed;
  constructor(message: string) {
    super(clipLines(message));
  }
}

/**
 * An engine cannot run here or cannot run this strategy (provider missing, worker not
 * found, strategy not supported): the user must fix it, exit 3, no stack.
 */
export class EngineUnavailableError extends RunError {
  override name = "EngineUnavailableError";
}

/** The engine ran out of device memory: a finding (state `oom`), not a crash. */
export class OutOfMemoryError extends Error {
  override name = "OutOfMemoryError";
}

/**
 * True for an out-of-memory error: ours, or one raised by the native addon, whose errors
 * cross the language boundary as plain Errors named "OutOfMemoryError".
 */
export function isOutOfMemory(err: unknown): boolean {
  return err instanceof OutOfMemoryError || (err instanceof Error && err.name === "OutOfMemoryError");
}

/** The exit code an error stands for: its own, or 3 for anything unexpected. */
export function exitCodeOf(e: unknown): number {
  return e instanceof VramgateError ? e.exitCode : EXIT.runFailed;
}

// ---------------------------------------------------------------------------------------
// Filesystem errors

/** What was being done when the filesystem said no. */
export type FsOp = "read" | "write" | "create-folder";

export interface FsContext {
  /** The path the operation was on (the file, or the folder for create-folder). */
  path: string;
  op: FsOp;
  /** What the file is, for the message: "the results JSON", "the JUnit report (--junit)". */
  what: string;
  /** Said after the problem, e.g. "The previous results.json is left as it was." */
  note?: string;
  /** What to do, when the generic advice does not fit (e.g. "Choose another --out folder."). */
  advice?: string;
}

/** Facts about one filesystem failure, shared by both classes. */
interface FsFailure {
  readonly path: string;
  /** errno code such as ENOSPC, or SHORT_WRITE when a write stored fewer bytes than given. */
  readonly code: string;
  readonly op: FsOp;
}

/** The path the user gave cannot be used (exit 2). */
export class PathError extends InputError implements FsFailure {
  override name = "PathError";
  constructor(
    readonly path: string,
    readonly code: string,
    readonly op: FsOp,
    problem: InputProblem,
    lead: string,
  ) {
    super([problem]);
    this.message = `${lead}${this.message}`;
  }
}

/** The machine refused (disk full, I/O error, out of file descriptors): exit 3. */
export class DiskError extends RunError implements FsFailure {
  override name = "DiskError";
  constructor(
    readonly path: string,
    readonly code: string,
    readonly op: FsOp,
    message: string,
  ) {
    super(message);
  }
}

/** What a non-regular file is, for messages. */
export function kindOf(st: {
  isDirectory(): boolean;
  isFile(): boolean;
  isFIFO?(): boolean;
  isCharacterDevice?(): boolean;
  isBlockDevice?(): boolean;
  isSocket?(): boolean;
}): string {
  if (st.isDirectory()) return "a folder";
  if (st.isFile()) return "a regular file";
  if (st.isFIFO?.()) return "a pipe (FIFO)";
  if (st.isCharacterDevice?.()) return "a character device";
  if (st.isBlockDevice?.()) return "a block device";
  if (st.isSocket?.()) return "a socket";
  return "a special file";
}

/** Byte length of the longest name in a path (file systems cap each name, usually at 255 bytes). */
function longestName(path: string): { name: string; bytes: number } {
  let best = { name: "", bytes: 0 };
  for (const name of path.split("/")) {
    const bytes = Buffer.byteLength(name);
    if (bytes > best.bytes) best = { name, bytes };
  }
  return best;
}

/** The nearest ancestor of `path` (or `path` itself) that exists, and what it is. */
function nearestExisting(path: string): { path: string; isDir: boolean } | undefined {
  let p = path;
  for (let i = 0; i < 256; i++) {
    try {
      const st = statSync(p);
      return { path: p, isDir: st.isDirectory() };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") return undefined;
    }
    const up = dirname(p);
    if (up === p) return undefined;
    p = up;
  }
  return undefined;
}

/** Codes that mean the machine, not the path, is at fault. */
const MACHINE_CODES = new Set([
  "ENOSPC",
  "EDQUOT",
  "EIO",
  "EMFILE",
  "ENFILE",
  "ENOMEM",
  "EFBIG",
  "SHORT_WRITE",
  "EAGAIN",
  "EBUSY",
  "ETXTBSY",
  "ESTALE",
]);

/**
 * A filesystem error (anything with an errno `code`) as a PathError or DiskError that says
 * which path, what is wrong and what to do. Other values are returned as they are.
 */
export function fsError(e: unknown, ctx: FsContext): unknown {
  if (e instanceof VramgateError) return e;
  const err = e as NodeJS.ErrnoException | undefined;
  const code = typeof err?.code === "string" ? err.code : undefined;
  if (!code) return e;
  const writing = ctx.op !== "read";
  const folder = ctx.op === "create-folder" ? ctx.path : dirname(ctx.path);
  const note = ctx.note ? ` ${ctx.note}` : "";
  const lead = writing ? `cannot write ${ctx.what}: ` : "cannot read: ";

  if (MACHINE_CODES.has(code)) {
    const what: Record<string, string> = {
      ENOSPC: "the disk is full (ENOSPC)",
      EDQUOT: "the disk quota is used up (EDQUOT)",
      EFBIG: "the file would be larger than the filesystem allows (EFBIG)",
      SHORT_WRITE: "the disk stored fewer bytes than written (short write: the disk is probably full)",
      EIO: "an I/O error from the disk (EIO)",
      EMFILE: "too many open files in this process (EMFILE)",
      ENFILE: "too many open files on this machine (ENFILE)",
      ENOMEM: "the system is out of memory (ENOMEM)",
    };
    const problem = what[code] ?? `the system refused (${code})`;
    const advice =
      code === "ENOSPC" || code === "EDQUOT" || code === "SHORT_WRITE" || code === "EFBIG"
        ? `Free space on the disk that holds ${clipPath(folder)}${writing ? ", or write elsewhere (e.g. --out DIR)" : ""}, then run again.`
        : "Check the machine (dmesg, ulimit -n), then run again.";
    return new DiskError(ctx.path, code, ctx.op, `${lead}${clipPath(ctx.path)}: ${problem}.${note} ${advice}`);
  }

  let expected: string;
  let found: string;
  let hint: string;
  switch (code) {
    case "ENOENT":
      if (writing) {
        expected = "a folder that exists or can be created";
        found =
          ctx.op === "create-folder"
            ? `a folder that cannot be created there (ENOENT: e.g. /proc takes no new folders)`
            : `no folder ${clipPath(folder)}`;
        hint = "Choose a folder on a writable disk.";
      } else {
        expected = ctx.what;
        found = "no such file";
        hint = "Check the path.";
      }
      break;
    case "EISDIR":
      expected = writing ? "a file name" : ctx.what;
      found = "a folder";
      hint = writing ? "Name a file inside it, or remove the folder." : "Name a file inside it.";
      break;
    case "ENOTDIR":
    case "EEXIST": {
      const blocker = nearestExisting(writing ? folder : dirname(ctx.path));
      expected = ctx.op === "read" ? ctx.what : "a folder on the way to the file";
      found =
        blocker && !blocker.isDir
          ? `${clipPath(blocker.path)}, which is a file, not a folder`
          : "a file where a folder is needed";
      hint = writing ? "Choose another path, or move that file away." : "Check the path.";
      break;
    }
    case "ENAMETOOLONG": {
      const longest = longestName(ctx.path);
      expected = "names of at most 255 bytes and a path of at most 4096 bytes";
      found =
        longest.bytes > 255
          ? `a name of ${longest.bytes} bytes (${quote(longest.name, 40)})`
          : `a path of ${Buffer.byteLength(ctx.path)} bytes`;
      hint = "Use a shorter name (for a scenario: a shorter `name` or sequence label).";
      break;
    }
    case "EROFS":
      expected = writing ? "a writable folder" : ctx.what;
      found = "a read-only filesystem (EROFS)";
      hint = "Choose a folder on a writable disk.";
      break;
    case "EACCES":
    case "EPERM":
      expected = writing ? "a folder you may write in" : `${ctx.what} you may read`;
      found = `permission denied (${code})`;
      hint = writing ? "Choose another folder, or fix its permissions." : "Fix its permissions.";
      break;
    case "ELOOP":
      expected = ctx.what;
      found = "a loop of symbolic links (ELOOP)";
      hint = "Check the links on the path.";
      break;
    case "NOT_REGULAR":
    case "ESPIPE":
    case "ENXIO":
    case "EINVAL":
      expected = writing ? "a path to a regular file" : `${ctx.what} (a regular file)`;
      found =
        code === "NOT_REGULAR"
          ? `${err?.message ?? "something"}, not a regular file`
          : `something that is not a regular file (${code})`;
      hint = writing ? "Write to a file on disk." : "Save it to a file first.";
      break;
    default:
      return new DiskError(
        ctx.path,
        code,
        ctx.op,
        `${lead}${clipPath(ctx.path)}: the system refused (${code}: ${clip(err?.message ?? "", 200)}).${note}`,
      );
  }
  if (ctx.advice) hint = `${hint} ${ctx.advice}`;
  if (note) hint = `${hint}${note}`;
  // A read problem is said by the located problem alone ("file: expected …, found no such file").
  return new PathError(ctx.path, code, ctx.op, { file: ctx.path, expected, found, hint }, writing ? lead : "");
}
