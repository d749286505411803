/**
 * The boundary for results files read back (`analyze`, `compare`, `bench --baseline`): a
 * zod schema of what readers rely on, so a file that is JSON but not the shape vramgate
 * writes is refused with located problems (file:line:col, JSON path, expected, found)
 * instead of a TypeError deep inside the analysis.
 *
 * Objects are loose: keys this version does not know (fields added later, e.g.
 * `shapeStats`) pass through untouched. Numbers may be null: JSON has no NaN or Infinity,
 * and vramgate writes those as null.
 */
import type { ZodIssueView } from "../zod-issue.js";
import * as z from "zod";
import { RESULTS_SCHEMA, type ResultsFile } from "./types.js";
import type { InputProblem } from "../errors.js";
import { quote } from "../errors.js";
import { lineCol, offsetOfPath } from "./json-locate.js";

/** A number as written by vramgate's toJson (null stands for NaN or ±Infinity). */
const num = z.number().nullable();
const numArray = z.array(num);
const numRecord = z.record(z.string(), num);
const str = z.string();

export const STRATEGY_STATES = ["completed", "crashed", "oom", "errored", "timeout", "aborted", "skipped"] as const;

/**
 * The results schema. Strict (the default: `compare`, `bench --baseline`): every field the
 * writer always writes is required. Lenient (`analyze`, which judges results-like JSON
 * from anywhere): fields only reports and comparisons use — run metadata, environment
 * identity, rounds, peaks — may be missing and get neutral defaults; what the analysis
 * reads (runs, strategies, their series) stays required.
 */
export function makeResultsSchema(opts: { lenient?: boolean } = {}) {
  const lenient = opts.lenient === true;
  /** A field every writer writes: required, or (lenient) defaulted when missing (prefault: the fallback is parsed, so nested defaults apply). */
  const req = <T extends z.ZodType>(schema: T, fallback: unknown) =>
    lenient ? schema.prefault(fallback as never) : schema;

  const blockSeries = z.looseObject({
    blockSize: req(num, null),
    firstIteration: req(numArray, []),
    lastIteration: numArray,
    timeMs: req(numArray, []),
    latencyMeanMs: req(numArray, []),
    signals: z.record(z.string(), z.looseObject({ min: req(numArray, []), max: numArray, mean: req(numArray, []) })),
  });

  const round = z.looseObject({ round: num, iterations: num, busyMs: num, itemsPerSecond: num });
  const latency = z.looseObject({
    count: num,
    meanMs: num,
    minMs: num,
    p50Ms: num,
    p90Ms: num,
    p99Ms: num,
    maxMs: num,
  });

  // Present only in files written since shape attribution exists; when present, complete
  // (analyze feeds it to the shape attribution as it is).
  const shapeStats = z.looseObject({
    lagCalls: num,
    distinctShapes: num,
    newShapeCalls: num,
    repeatCalls: num,
    events: z.looseObject({ iteration: numArray, bytes: z.record(z.string(), numArray) }),
    eventsDropped: num,
    eventBytesTotal: numRecord,
    repeatSeries: blockSeries,
    latencyMs: z.looseObject({ newShape: numArray, repeat: numArray }),
  });

  const confirmation = z.looseObject({
    replayCalls: num,
    fromIteration: num,
    verdictBefore: str.optional(),
    verdictAfter: str.optional(),
    checks: z.array(str),
    confirmed: z.boolean().optional(),
    budgetExhausted: z.boolean().optional(),
  });

  const strategyResult = z.looseObject({
    strategy: str,
    state: z.enum(STRATEGY_STATES),
    error: z
      .looseObject({
        message: str,
        iteration: num.optional(),
        signal: str.optional(),
        exitCode: num.optional(),
        lastExchange: str.optional(),
      })
      .optional(),
    oom: z.looseObject({ iteration: num, usedBytes: num }).optional(),
    pid: num.optional(),
    warmupIterations: req(num, 0),
    iterations: req(num, 0),
    durationMs: req(num, 0),
    rounds: req(z.array(round), []),
    latency: latency.optional(),
    shapes: req(z.array(str), []),
    primarySignal: str,
    peakBytes: req(numRecord, {}),
    startBytes: req(numRecord, {}),
    series: blockSeries,
    traceFile: str.optional(),
    residual: z.looseObject({ afterReleaseBytes: num.optional(), afterExitDeviceBytes: num.optional() }).optional(),
    engineMemory: numRecord.optional(),
    shapeStats: shapeStats.optional(),
    confirmation: confirmation.optional(),
    analysis: z.looseObject({ leak: z.record(z.string(), z.looseObject({})) }).optional(),
  });

  const scenarioRun = z.looseObject({
    key: str,
    scenario: req(str, ""),
    file: req(str, ""),
    engine: req(str, ""),
    model: req(z.looseObject({ path: str, sha256: str, generated: str.optional() }), { path: "", sha256: "" }),
    precision: req(str, ""),
    sequence: req(str, ""),
    baseline: req(str, ""),
    gate: req(z.looseObject({}), {}),
    config: z.unknown().optional(),
    allowedShapes: z.looseObject({ count: num, exact: z.boolean() }).optional(),
    strategies: z.array(strategyResult),
    throughput: z.array(z.looseObject({})).optional(),
  });

  const gpu = z.looseObject({
    index: req(num, 0),
    name: req(str, ""),
    uuid: str.optional(),
    totalBytes: req(num, null),
    driverVersion: str.optional(),
    clocks: z
      .looseObject({
        smMHz: num.optional(),
        smMaxMHz: num.optional(),
        memMHz: num.optional(),
        memMaxMHz: num.optional(),
      })
      .optional(),
  });

  const environment = z.looseObject({
    hostname: req(str, ""),
    os: req(str, ""),
    kernel: req(str, ""),
    cpu: req(str, ""),
    cpuCount: req(num, null),
    totalMemoryBytes: req(num, null),
    node: req(str, ""),
    vramgate: req(str, ""),
    gitCommit: str.optional(),
    addon: req(
      z.looseObject({ loaded: z.boolean(), reason: str.optional(), nvml: z.boolean(), cudaRuntime: z.boolean() }),
      { loaded: false, nvml: false, cudaRuntime: false },
    ),
    gpus: req(z.array(gpu), []),
    driverVersion: str.optional(),
    cudaVersion: str.optional(),
    engines: req(z.record(z.string(), str), {}),
    fingerprint: z.looseObject({ loadAverage1m: num.optional(), cpuGovernor: str.optional() }).optional(),
  });

  const shardRecord = z.looseObject({
    index: z.number().int().min(1),
    count: z.number().int().min(1),
    source: str,
    plan: str,
    plannedRuns: z.number().int().min(0),
  });

  return z.looseObject({
    schema: z.literal(RESULTS_SCHEMA),
    runId: req(str, ""),
    createdAt: req(str, ""),
    finishedAt: str.optional(),
    state: req(z.enum(["completed", "aborted"]), "completed"),
    argv: req(z.array(str), []),
    environment: req(environment, {}),
    runs: z.array(scenarioRun),
    gates: z.array(z.looseObject({})).optional(),
    shard: shardRecord.optional(),
    mergedFrom: z.array(z.looseObject({ file: str, runId: str, runs: z.array(str) })).optional(),
  });
}

export const resultsFileSchema = makeResultsSchema();
const lenientResultsSchema = makeResultsSchema({ lenient: true });

/** Most problems reported for one file (the first ones in file order are the useful ones). */
const MAX_RESULTS_PROBLEMS = 10;

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  boolean: "true or false",
  array: "an array",
  object: "an object",
  record: "an object",
};

/** What a JSON value is, for "found": at most ~80 characters of it. */
export function describeJson(v: unknown): string {
  if (v === undefined) return "nothing (the key is missing)";
  if (v === null) return "null";
  if (Array.isArray(v))
    return v.length === 0 ? "an empty array" : `an array (${v.length} item${v.length === 1 ? "" : "s"})`;
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `${quote(v)} (a string)`;
  if (typeof v === "number") return `${quote(v)} (a number)`;
  return quote(v);
}

/** `runs[0].strategies[2].series`; keys that are not identifiers are quoted. */
export function formatJsonPath(path: ReadonlyArray<string | number>): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${quote(seg, 40)}]`;
  }
  return out;
}

function valueAt(data: unknown, path: ReadonlyArray<string | number>): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    if (!Object.hasOwn(v, seg)) return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

type Issue = ZodIssueView;

function expectation(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      return TYPE_NAMES[issue.expected ?? ""] ?? issue.expected ?? "another type";
    case "invalid_value":
      return issue.values && issue.values.length === 1
        ? JSON.stringify(issue.values[0])
        : `one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return issue.message;
  }
}

/**
 * Validates parsed JSON against the results schema. Returns the typed file, or the located
 * problems (at most MAX_RESULTS_PROBLEMS, in file order).
 */
export function validateResults(
  data: unknown,
  text: string,
  file: string,
  opts: { lenient?: boolean } = {},
): { ok: true; value: ResultsFile } | { ok: false; problems: InputProblem[] } {
  const r = (opts.lenient ? lenientResultsSchema : resultsFileSchema).safeParse(data);
  if (r.success) return { ok: true, value: r.data as unknown as ResultsFile };
  const problems: Array<InputProblem & { offset: number }> = [];
  const issues = r.error.issues as unknown as Issue[];
  // Locating costs a scan of the text per problem: locate only those shown.
  for (const raw of issues.slice(0, MAX_RESULTS_PROBLEMS)) {
    const path = raw.path.map((s) => (typeof s === "number" ? s : String(s)));
    const value = valueAt(data, path);
    const offset = offsetOfPath(text, path);
    const { line, col } = lineCol(text, offset);
    const p: InputProblem & { offset: number } = {
      file,
      line,
      col,
      path: formatJsonPath(path) || "(the whole file)",
      expected: expectation(raw),
      found: describeJson(value),
      offset,
    };
    if (value === undefined) p.hint = `${formatJsonPath(path)} is required in a vramgate results file.`;
    problems.push(p);
  }
  problems.sort((a, b) => a.offset - b.offset);
  const shown = problems.map(({ offset: _o, ...p }) => p);
  if (issues.length > MAX_RESULTS_PROBLEMS) {
    const last = shown[shown.length - 1]!;
    last.hint = `${last.hint ? `${last.hint} ` : ""}(${(issues.length - MAX_RESULTS_PROBLEMS).toLocaleString("en-US")} more problems not shown: is this a vramgate results file?)`;
  }
  return { ok: false, problems: shown };
}
