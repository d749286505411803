/**
 * The process engine's line protocol (docs/protocol.md): JSON objects, one per line,
 * requests on the worker's stdin and replies on its stdout. Version 1: one request per
 * activate/infer/deactivate. Version 2 adds `batch`: a run of calls in one request, timed
 * by the worker on CLOCK_MONOTONIC and answered once. The version is negotiated in hello.
 * This file only builds requests and validates replies; it never touches a process.
 */
import type { BatchMode, BatchTimes, InputValues, ShapeMap } from "../contract.js";

/** The base version: hello's `protocol` field, which every worker understands. */
export const PROTOCOL_VERSION = 1;
/** The versions this harness speaks, offered in hello's `protocols`; a worker answers with one of them. */
export const PROTOCOL_VERSIONS: readonly number[] = [1, 2];
/** Bytes per record of a batch's progress journal (docs/protocol.md "Progress journal"). */
export const JOURNAL_RECORD_BYTES = 32;

/** Longest stdout line accepted, bytes: a reply is small; a longer line is a runaway print. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** What the harness tells the worker in hello, so one worker can serve many scenarios. */
export interface HelloConfig {
  scenario: string;
  scenarioFile: string;
  strategy: string;
  precision: string;
  /** Absolute path of the scenario's model file; the worker may ignore it. */
  modelPath: string;
  /** NVML device index the harness samples. */
  device: number;
  /**
   * Per input, in the model's input order: min/opt/max shapes, dtype, and the values to
   * feed (`{ min, max }`, "ones" or "zeros"; null when the scenario sets none and the
   * worker chooses).
   */
  profile: Record<string, { min: number[]; opt: number[]; max: number[]; dtype: string; values: InputValues | null }>;
  /**
   * Protocol 2: a file of `journalCalls` records of 32 bytes the worker may write each
   * finished batch call into, so the calls before a death mid-batch are kept.
   */
  journal?: string;
  journalCalls?: number;
}

export type Request =
  | { id: number; op: "hello"; protocol: number; protocols: readonly number[]; config: HelloConfig }
  | { id: number; op: "activate" }
  | { id: number; op: "infer"; shape: ShapeMap }
  /** Protocol 2: call k runs on shapes[calls[k]] (distinct shapes are sent once). */
  | { id: number; op: "batch"; mode: BatchMode; shapes: ShapeMap[]; calls: number[] }
  | { id: number; op: "deactivate" }
  | { id: number; op: "stats" }
  | { id: number; op: "shutdown" }
  /** Optional op: PyTorch allocation history on (start) / snapshot and top sites (stop). */
  | { id: number; op: "traceAllocations"; action: "start"; maxEntries?: number }
  | { id: number; op: "traceAllocations"; action: "stop"; snapshotPath?: string };

/** Engine memory figures, bytes, keyed by signal name (e.g. torchAllocatedBytes). */
export type StatsMap = Record<string, number>;

export interface OkReply {
  id: number;
  ok: true;
  /** The call's own duration as the worker measured it, milliseconds. */
  ms: number;
  /** Optional on any ok reply; required on a stats reply. */
  stats?: StatsMap;
  /** Everything else the reply carried (hello's protocol, worker, versions, pid, stats flag). */
  fields: Record<string, unknown>;
}

interface ErrorReply {
  id: number | null;
  ok: false;
  error: string;
  kind: "oom" | "error";
  /** Everything the reply carried (a failed batch's failedAt, startNs, endNs, callStats). */
  fields: Record<string, unknown>;
}

export type Reply = OkReply | ErrorReply;

export interface HelloInfo {
  protocol: number;
  worker: string;
  versions: Record<string, string>;
  pid: number;
  /** Whether the worker answers the stats op. */
  stats: boolean;
  /** False when the worker said it runs on the CPU only (its memory is host RSS); default true. */
  gpu: boolean;
  /** Protocol 2: the worker's CLOCK_MONOTONIC reading, ns, taken as it answered hello. */
  monotonicNs?: number;
}

/** A reply line that breaks the protocol; `reason` says what was expected and what was found. */
export class ProtocolViolation extends Error {
  override name = "ProtocolViolation";
}

/** Shortens a line for messages: protocol lines can be long (shapes, stats). */
export function clip(text: string, maxChars = 300): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… (${text.length} chars)`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `"${clip(v, 60)}" (string)`;
  if (typeof v === "object") return "an object";
  return `${String(v)} (${typeof v})`;
}

/** Validates a stats object: every value a finite, non-negative number of bytes. */
function parseStats(v: unknown): StatsMap {
  if (!isRecord(v)) throw new ProtocolViolation(`"stats" must be an object of byte counts, got ${describe(v)}`);
  const out: StatsMap = {};
  for (const [key, value] of Object.entries(v)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new ProtocolViolation(`"stats.${key}" must be a non-negative number of bytes, got ${describe(value)}`);
    }
    out[key] = value;
  }
  return out;
}

/**
 * Parses one stdout line into a reply. Throws ProtocolViolation for anything that is not a
 * reply object: the harness treats stdout as the protocol channel only.
 */
export function parseReply(line: string): Reply {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolViolation(`expected a JSON line, got ${JSON.stringify(clip(line, 200))}`);
  }
  if (!isRecord(value))
    throw new ProtocolViolation(`expected a JSON object, got ${describe(value)}: ${clip(line, 200)}`);
  const { id, ok } = value;
  if (!(typeof id === "number" && Number.isInteger(id)) && !(id === null && ok === false)) {
    throw new ProtocolViolation(`expected an integer "id", got ${describe(id)}: ${clip(line, 200)}`);
  }
  if (ok === false) {
    const error = typeof value.error === "string" && value.error !== "" ? value.error : "(the worker gave no message)";
    const kind = value.kind === "oom" ? "oom" : "error";
    return { id: id as number | null, ok: false, error, kind, fields: value };
  }
  if (ok !== true) throw new ProtocolViolation(`expected "ok": true or false, got ${describe(ok)}: ${clip(line, 200)}`);
  const ms = value.ms;
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw new ProtocolViolation(
      `expected "ms" (the call's own milliseconds, >= 0), got ${describe(ms)}: ${clip(line, 200)}`,
    );
  }
  const reply: OkReply = { id: id as number, ok: true, ms, fields: value };
  if (value.stats !== undefined && value.stats !== null && value.stats !== false && value.stats !== true) {
    reply.stats = parseStats(value.stats);
  }
  return reply;
}

/** Reads hello's fields out of an ok reply; the version check is the caller's (it has the command). */
export function parseHello(reply: OkReply): HelloInfo {
  const f = reply.fields;
  if (typeof f.protocol !== "number" || !Number.isInteger(f.protocol)) {
    throw new ProtocolViolation(`hello reply: expected an integer "protocol", got ${describe(f.protocol)}`);
  }
  if (typeof f.pid !== "number" || !Number.isInteger(f.pid) || f.pid <= 0) {
    throw new ProtocolViolation(
      `hello reply: expected the worker's "pid" (a positive integer), got ${describe(f.pid)}`,
    );
  }
  const versions: Record<string, string> = {};
  if (f.versions !== undefined) {
    if (!isRecord(f.versions))
      throw new ProtocolViolation(`hello reply: expected "versions" to be an object, got ${describe(f.versions)}`);
    for (const [k, v] of Object.entries(f.versions)) versions[k] = String(v);
  }
  return {
    protocol: f.protocol,
    worker: typeof f.worker === "string" && f.worker !== "" ? f.worker : "worker",
    versions,
    pid: f.pid,
    stats: f.stats === true || reply.stats !== undefined,
    gpu: f.gpu !== false,
    ...(typeof f.monotonicNs === "number" && Number.isFinite(f.monotonicNs) ? { monotonicNs: f.monotonicNs } : {}),
  };
}

function nsArray(v: unknown, name: string, n: number): number[] {
  if (!Array.isArray(v) || v.length !== n)
    throw new ProtocolViolation(`batch reply: expected "${name}" to be an array of ${n} numbers, got ${describe(v)}`);
  for (const x of v)
    if (typeof x !== "number" || !Number.isFinite(x) || x < 0)
      throw new ProtocolViolation(`batch reply: "${name}" holds ${describe(x)}, expected non-negative numbers`);
  return v as number[];
}

/**
 * The per-call times (and stats) of a batch reply: all `calls` of an ok reply, or the
 * `failedAt` calls before the failure of an error reply (missing fields: none ran).
 */
export function parseBatchTimes(fields: Record<string, unknown>, calls: number): BatchTimes {
  const startNs = nsArray(fields.startNs ?? (calls === 0 ? [] : undefined), "startNs", calls);
  const endNs = nsArray(fields.endNs ?? (calls === 0 ? [] : undefined), "endNs", calls);
  for (let k = 0; k < calls; k++)
    if (endNs[k]! < startNs[k]! || (k > 0 && startNs[k]! < endNs[k - 1]!))
      throw new ProtocolViolation(`batch reply: call ${k} ends before it starts or overlaps the call before`);
  const out: BatchTimes = { startNs, endNs };
  if (fields.callStats !== undefined && fields.callStats !== null) {
    if (!isRecord(fields.callStats))
      throw new ProtocolViolation(
        `batch reply: expected "callStats" to be an object, got ${describe(fields.callStats)}`,
      );
    out.stats = {};
    for (const [key, arr] of Object.entries(fields.callStats)) out.stats[key] = nsArray(arr, `callStats.${key}`, calls);
  }
  return out;
}

/** A failed batch's `failedAt`: how many calls ran before the failing one (0 when absent). */
export function parseFailedAt(fields: Record<string, unknown>, calls: number): number {
  const f = fields.failedAt;
  if (f === undefined || f === null) return 0;
  if (typeof f !== "number" || !Number.isInteger(f) || f < 0 || f >= calls)
    throw new ProtocolViolation(`batch reply: "failedAt" must be a call index below ${calls}, got ${describe(f)}`);
  return f;
}
