/**
 * Reading traces recorded anywhere, for `vramgate analyze`:
 * - CSV with a header holding at least `iteration` and `used_bytes` (optional `time_ms`
 *   and other `*_bytes` columns; pick one with `column`). Streamed in 1 MiB byte chunks,
 *   numbers parsed from the bytes into growable Float64Arrays: 10^7 rows never exist as strings.
 * - a vramgate results JSON (schema "vramgate.results/1"), via src/results/read.ts.
 * Bad input raises InputError with file:line:col.
 */
import { type FileHandle, open } from "node:fs/promises";
import { isGzip, LIMITS, limitValue, openInputFile } from "../io/read-limited.js";
import { InputError, type InputProblem } from "../errors.js";
import type { MemorySeries } from "./types.js";
import { parseNumberBytes } from "./csv-number.js";
import { didYouMean } from "../scenarios/suggest.js";

export interface CsvTrace extends MemorySeries {
  iteration: Float64Array;
  value: Float64Array;
  timeMs?: Float64Array;
  /** Name of the column read into `value`. */
  column: string;
  /** All header columns, in file order. */
  columns: string[];
  /** Data rows read. */
  rows: number;
  /** With a `shape` column (any string key per row): each row's shape as an index into `shapeNames`. */
  shapeIds?: Int32Array;
  shapeNames?: string[];
  /** With a `latency_ms` column: each row's call latency. */
  latencyMs?: Float64Array;
}

class Growable {
  buf = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  done(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}

/** Byte columns a user may judge: `used_bytes` and any other `*_bytes`. */
function byteColumns(columns: string[]): string[] {
  return columns.filter((c) => c.endsWith("_bytes"));
}

const MAX_PROBLEMS = 5;

/**
 * Stream a CSV trace. `column` (default `used_bytes`) must be a header column.
 * Rows must have non-decreasing iterations; blank lines and lines starting with `#` are
 * skipped. Reads raw byte chunks and parses numbers from the bytes: no per-row strings.
 * Columns (`col`) in problems count bytes, i.e. characters for ASCII files.
 */
export async function readCsvTrace(file: string, opts: { column?: string } = {}): Promise<CsvTrace> {
  // A regular file within VRAMGATE_MAX_TRACE_MIB, its lines within VRAMGATE_MAX_LINE_KIB and VRAMGATE_MAX_TRACE_LINES (read-limited.ts).
  const fh = await openInputFile(file, {
    what: "a readable CSV trace",
    limit: LIMITS.trace,
    maxLines: limitValue(LIMITS.traceLines),
    linesLimit: LIMITS.traceLines,
  });
  const column = opts.column ?? "used_bytes";
  const problems: InputProblem[] = [];
  let columns: string[] | undefined;
  let iterIdx = -1,
    valueIdx = -1,
    timeIdx = -1,
    shapeIdx = -1,
    latIdx = -1;
  const it = new Growable(),
    val = new Growable(),
    tm = new Growable(),
    shp = new Growable(),
    lat = new Growable();
  // Shapes are interned: one string per distinct shape, an index per row.
  const shapeIndex = new Map<string, number>();
  const shapeNames: string[] = [];
  let lineNo = 0;
  let lastIter = -Infinity;

  const header = (text: string): void => {
    columns = text.split(",").map((c) => c.trim());
    iterIdx = columns.indexOf("iteration");
    valueIdx = columns.indexOf(column);
    timeIdx = columns.indexOf("time_ms");
    shapeIdx = columns.indexOf("shape");
    latIdx = columns.indexOf("latency_ms");
    if (iterIdx < 0)
      problems.push({
        file,
        line: lineNo,
        col: 1,
        expected: "a CSV header with an `iteration` column (e.g. iteration,used_bytes,time_ms)",
        found: `columns ${columns.join(", ")}`,
      });
    if (valueIdx < 0) {
      const candidates = byteColumns(columns);
      const hint = didYouMean(column, columns);
      problems.push({
        file,
        line: lineNo,
        col: 1,
        expected: opts.column
          ? `a column named "${column}" (available: ${candidates.join(", ") || "none ending in _bytes"})`
          : "a `used_bytes` column (or name one with --column)",
        found: `columns ${columns.join(", ")}`,
        ...(hint ? { hint } : {}),
      });
    }
    if (problems.length > 0) throw new InputError(problems);
  };

  const bad = (buf: Buffer, s: number, cs: number, ce: number, name: string): void => {
    const t = buf.toString("utf8", cs, ce).trim();
    problems.push({
      file,
      line: lineNo,
      col: cs - s + 1,
      path: name,
      expected: "a finite number",
      found: t === "" ? "an empty cell" : JSON.stringify(t),
    });
  };

  // Hot path: one pass over the bytes, parsing only the cells needed (no strings, no closures).
  const row = (buf: Buffer, s: number, e: number): void => {
    const last = Math.max(iterIdx, valueIdx, timeIdx, shapeIdx, latIdx);
    let i = NaN,
      v = NaN,
      t = 0,
      sh = -1,
      l = NaN;
    let iterCol = 1;
    let k = 0;
    let a = s;
    for (let p = s; p <= e && k <= last; p++) {
      if (p !== e && buf[p] !== 44 /* , */) continue;
      if (k === iterIdx) {
        iterCol = a - s + 1;
        i = parseNumberBytes(buf, a, p);
        if (Number.isNaN(i)) bad(buf, s, a, p, "iteration");
      } else if (k === valueIdx) {
        v = parseNumberBytes(buf, a, p);
        if (Number.isNaN(v)) bad(buf, s, a, p, column);
      } else if (k === timeIdx) {
        t = parseNumberBytes(buf, a, p);
        if (Number.isNaN(t)) bad(buf, s, a, p, "time_ms");
      } else if (k === shapeIdx) {
        const key = buf.toString("utf8", a, p).trim();
        sh = shapeIndex.get(key) ?? -1;
        if (sh < 0) {
          sh = shapeNames.length;
          shapeIndex.set(key, sh);
          shapeNames.push(key);
        }
      } else if (k === latIdx) {
        // A missing latency is not an error: the tax simply leaves that call out.
        l = a === p ? NaN : parseNumberBytes(buf, a, p);
      }
      k++;
      a = p + 1;
    }
    if (k <= last)
      problems.push({
        file,
        line: lineNo,
        col: e - s + 1,
        expected: `${columns!.length} columns (${columns![last]} is column ${last + 1})`,
        found: `${k}`,
      });
    else if (!Number.isNaN(i) && i < lastIter)
      problems.push({
        file,
        line: lineNo,
        col: iterCol,
        path: "iteration",
        expected: `iterations in non-decreasing order (≥ ${lastIter})`,
        found: String(i),
      });
    if (problems.length >= MAX_PROBLEMS) throw new InputError(problems);
    lastIter = i;
    it.push(i);
    val.push(v);
    if (timeIdx >= 0) tm.push(t);
    if (shapeIdx >= 0) shp.push(sh);
    if (latIdx >= 0) lat.push(l);
  };

  const line = (buf: Buffer, s: number, e: number): void => {
    lineNo++;
    if (lineNo === 1 && e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3; // BOM
    if (e > s && buf[e - 1] === 13 /* \r */) e--;
    let k = s;
    while (k < e && (buf[k] === 32 || buf[k] === 9)) k++;
    if (k === e || buf[s] === 35 /* # */) return;
    if (!columns) header(buf.toString("utf8", s, e));
    else row(buf, s, e);
  };

  let carry: Buffer | undefined;
  try {
    for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20 })) {
      const buf: Buffer = carry ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      let s = 0;
      for (let nl = buf.indexOf(10, s); nl >= 0; nl = buf.indexOf(10, s)) {
        line(buf, s, nl);
        s = nl + 1;
      }
      carry = s < buf.length ? Buffer.from(buf.subarray(s)) : undefined;
    }
    if (carry) line(carry, 0, carry.length);
  } finally {
    await fh.close().catch(() => undefined);
  }
  if (problems.length > 0) throw new InputError(problems);
  if (!columns)
    throw new InputError([{ file, expected: "a CSV header with iteration,used_bytes", found: "an empty file" }]);
  if (it.length === 0)
    throw new InputError([
      { file, line: lineNo + 1, col: 1, expected: "at least one data row after the header", found: "none" },
    ]);
  const out: CsvTrace = { iteration: it.done(), value: val.done(), column, columns, rows: it.length };
  if (timeIdx >= 0) out.timeMs = tm.done();
  if (shapeIdx >= 0) {
    out.shapeIds = Int32Array.from(shp.done());
    out.shapeNames = shapeNames;
  }
  if (latIdx >= 0) out.latencyMs = lat.done();
  return out;
}

/** Whether a file holds JSON (first non-blank character `{`, or gzip: results files only) rather than CSV. */
export async function looksLikeJson(file: string): Promise<boolean> {
  let fh: FileHandle;
  try {
    fh = await open(file, "r");
  } catch {
    return file.toLowerCase().endsWith(".json");
  }
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(256), 0, 256, 0);
    if (isGzip(buffer.subarray(0, bytesRead))) return true;
    const head = buffer
      .subarray(0, bytesRead)
      .toString("utf8")
      .replace(/^\uFEFF/, "")
      .trimStart();
    return head.startsWith("{") || (head === "" && file.toLowerCase().endsWith(".json"));
  } finally {
    await fh.close();
  }
}
