/**
 * GitHub Actions outputs: the markdown report appended to the job's step summary, and one
 * `::error` / `::warning` workflow command per failed / warned gate, pointing at the
 * scenario file so the annotation lands on it in the pull request.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { fsError } from "../errors.js";
import { isAbsolute, relative } from "node:path";
import type { GateOutcome } from "../results/verdicts.js";
import type { ResultsFile } from "../results/types.js";
import { CHARTS_BEGIN, CHARTS_END } from "./markdown.js";

/** GitHub refuses step summaries above 1 MiB; stay under it with room for the note. */
const SUMMARY_LIMIT_BYTES = 1_000_000;

export interface CiIo {
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where workflow commands go; default process.stdout. */
  write?: (text: string) => void;
  /** Base for relative scenario paths when GITHUB_WORKSPACE is unset; default process.cwd(). */
  cwd?: string;
}

/** Workflow-command data escaping (GitHub's rules: %, CR, LF). */
function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Workflow-command property escaping: as data, plus the separators `:` and `,`. */
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** A scenario path relative to the workspace, or undefined when it lies outside. */
function repoPath(file: string, base: string): string | undefined {
  const rel = isAbsolute(file) ? relative(base, file) : file;
  if (!rel || rel.startsWith("..") || isAbsolute(rel)) return undefined;
  return rel.split("\\").join("/");
}

/** One workflow command per failed or warned gate, failures first. */
export function annotationLines(results: ResultsFile, outcomes: readonly GateOutcome[], base: string): string[] {
  const files = new Map(results.runs.map((r) => [r.key, r.file]));
  const lines: string[] = [];
  for (const status of ["fail", "warn"] as const) {
    for (const o of outcomes) {
      if (o.status !== status) continue;
      const props: string[] = [];
      const file = o.run ? files.get(o.run) : undefined;
      const rel = file ? repoPath(file, base) : undefined;
      if (rel) props.push(`file=${escapeProperty(rel)}`);
      props.push(`title=${escapeProperty(`vramgate ${o.gate} gate${o.strategy ? ` (${o.strategy})` : ""}`)}`);
      const where = o.run ? `${o.run}: ` : "";
      lines.push(`::${status === "fail" ? "error" : "warning"} ${props.join(",")}::${escapeData(where + o.message)}`);
    }
  }
  return lines;
}

/**
 * The report as a step summary: chart blocks replaced by a pointer to the report file
 * (a summary cannot show images from the runner's disk), cut to GitHub's size limit.
 */
export function stepSummary(markdown: string, reportPath: string): string {
  const note = `_Charts: see \`${reportPath}\` and its charts folder in the run's artifacts._`;
  let out = "";
  let rest = markdown;
  for (;;) {
    const a = rest.indexOf(CHARTS_BEGIN);
    if (a < 0) break;
    const b = rest.indexOf(CHARTS_END, a);
    if (b < 0) break;
    out += rest.slice(0, a) + note;
    rest = rest.slice(b + CHARTS_END.length);
  }
  out += rest;
  if (Buffer.byteLength(out) > SUMMARY_LIMIT_BYTES) {
    const cut = Buffer.from(out)
      .subarray(0, SUMMARY_LIMIT_BYTES)
      .toString("utf8")
      .replace(/\uFFFD$/, "");
    out = `${cut}\n\n_(cut at GitHub's step-summary size limit; the full report is \`${reportPath}\`)_\n`;
  }
  return out.endsWith("\n") ? out : `${out}\n`;
}

/**
 * In GitHub Actions: append the report at `reportPath` to $GITHUB_STEP_SUMMARY (when set)
 * and print annotations for failed / warned gates (when GITHUB_ACTIONS is "true").
 * Does nothing elsewhere.
 */
export function emitCiOutputs(
  results: ResultsFile,
  outcomes: readonly GateOutcome[],
  reportPath: string,
  io: CiIo = {},
): void {
  const env = io.env ?? process.env;
  const write = io.write ?? ((t: string) => void process.stdout.write(t));
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  if (summaryFile && existsSync(reportPath)) {
    try {
      appendFileSync(summaryFile, `${stepSummary(readFileSync(reportPath, "utf8"), reportPath)}\n`);
    } catch (e) {
      throw fsError(e, {
        path: summaryFile,
        op: "write",
        what: "the step summary ($GITHUB_STEP_SUMMARY)",
        note: "The results JSON and the report are already written.",
      });
    }
  }
  if (env.GITHUB_ACTIONS === "true") {
    const base = env.GITHUB_WORKSPACE ?? io.cwd ?? process.cwd();
    const lines = annotationLines(results, outcomes, base);
    if (lines.length) write(`${lines.join("\n")}\n`);
  }
}
