/**
 * The terminal summary printed after a run: one table per scenario run, the lines that
 * explain it, the recommendation, then every failed or warned gate and the overall verdict.
 *
 * The default table is compact and fits 100 columns: strategy, state, calls/s, ratio to
 * the baseline with its 95 % CI, p99 latency, peak memory and verdict. What it leaves out
 * (slope, time to out-of-memory, residual) follows the table as short lines, only for the
 * strategies concerned. `wide: true` (`--wide`) prints every column instead.
 *
 * Colour only when asked (callers pass stdout.isTTY): cli-table3 colours its head and
 * borders by default even off a TTY, so both styles are emptied unless colour is on.
 * A figure that could not be measured prints as "n/a", never "NaN" or "Infinity".
 */
import { allocationTerminal } from "./allocation-sites.js";
import Table from "cli-table3";
import type { GateOutcome, ThroughputComparison } from "../results/verdicts.js";
import type { ResultsFile, ScenarioRunResult, StrategyResult } from "../results/types.js";
import { ci2, formatCount, mib, rate, sig3, slope } from "../format.js";
import { medianRate, primaryLeak, residualAfter, residualBytes } from "../analysis/figures.js";
import { timeToOom, verdictSlope } from "./phrases.js";
import { exclusionWords, recommendationWords } from "./recommend.js";
import { shapeTerminalLines } from "./shapes.js";
import { layerTerminalLines } from "./layers.js";

type Paint = (s: string) => string;
interface Palette {
  red: Paint;
  yellow: Paint;
  green: Paint;
  bold: Paint;
  dim: Paint;
}

const ansi =
  (open: number, close: number): Paint =>
  (s) =>
    `\u001b[${open}m${s}\u001b[${close}m`;
const COLOR: Palette = {
  red: ansi(31, 39),
  yellow: ansi(33, 39),
  green: ansi(32, 39),
  bold: ansi(1, 22),
  dim: ansi(2, 22),
};
const id: Paint = (s) => s;
const PLAIN: Palette = { red: id, yellow: id, green: id, bold: id, dim: id };

export interface SummaryOptions {
  color: boolean;
  /** Every column (slope, p50, time to OOM, residual) instead of the compact table. */
  wide?: boolean;
}

/** The verdict the analysis gave, as it gave it; coloured by how bad it is. */
function verdictCell(s: StrategyResult, p: Palette): string {
  const leak = primaryLeak(s);
  if (!leak) return "—";
  const v = leak.verdict as string;
  if (v === "leak") return p.red(p.bold(v));
  if (v === "flat") return p.green(v);
  return p.yellow(v);
}

function ratioCell(run: ScenarioRunResult, s: StrategyResult, t: ThroughputComparison | undefined, p: Palette): string {
  if (s.strategy === run.baseline) return "baseline";
  if (!t) return "—";
  if (t.claim === "no-data" || !Number.isFinite(t.ratio)) return "no data";
  const text = `${t.ratio.toFixed(2)}× ${ci2(t.ratioCi)}`;
  return t.claim === "faster" ? p.green(text) : t.claim === "slower" ? p.red(text) : text;
}

function stateCell(s: StrategyResult, p: Palette): string {
  if (s.state === "completed") return s.state;
  return p.red(s.state === "oom" && s.oom ? `oom at ${formatCount(s.oom.iteration)}` : s.state);
}

function runTable(run: ScenarioRunResult, p: Palette, wide: boolean): string {
  // Wide: columns that would be empty for every strategy are left out to keep it narrower.
  const showOom = wide && run.strategies.some((s) => s.state === "oom" || primaryLeak(s)?.projection);
  const showResidual = wide && run.strategies.some((s) => residualBytes(s) !== undefined);
  const head = ["strategy", "state", "calls/s", `× ${run.baseline} [95% CI]`];
  const colAligns: Array<"left" | "right"> = ["left", "left", "right", "left"];
  const column = (title: string, align: "left" | "right"): void => {
    head.push(title);
    colAligns.push(align);
  };
  if (wide) {
    column("p50/p99 ms", "right");
    column("peak MiB", "right");
    column("slope [95% CI]", "left");
  } else {
    column("p99 ms", "right");
    column("peak MiB", "right");
  }
  column("verdict", "left");
  if (showOom) column("time to OOM", "left");
  if (showResidual) column("residual MiB", "right");
  const table = new Table({
    head,
    colAligns,
    style: p === PLAIN ? { head: [], border: [], compact: true } : { head: ["cyan"], border: ["grey"], compact: true },
  });
  const ratios = new Map((run.throughput ?? []).map((t) => [t.strategy, t]));
  for (const s of run.strategies) {
    const leak = primaryLeak(s);
    const peak = s.peakBytes[s.primarySignal];
    const itemsPerSecond = medianRate(s.rounds);
    const row = [
      s.strategy,
      stateCell(s, p),
      itemsPerSecond !== undefined ? rate(itemsPerSecond) : "—",
      ratioCell(run, s, ratios.get(s.strategy), p),
    ];
    if (wide) {
      row.push(s.latency ? `${sig3(s.latency.p50Ms)}/${sig3(s.latency.p99Ms)}` : "—");
      row.push(typeof peak === "number" ? mib(peak) : "—");
      row.push(leak ? verdictSlope(leak) : "—");
    } else {
      row.push(s.latency ? sig3(s.latency.p99Ms) : "—");
      row.push(typeof peak === "number" ? mib(peak) : "—");
    }
    row.push(verdictCell(s, p));
    if (showOom)
      row.push(s.state === "oom" && s.oom ? p.red(`ran out at ${formatCount(s.oom.iteration)}`) : timeToOom(leak));
    if (showResidual) {
      const residual = residualBytes(s);
      row.push(residual === undefined ? "—" : residualAfter(s) === "exit" ? `${mib(residual)} (exit)` : mib(residual));
    }
    table.push(row);
  }
  return table.toString();
}

/**
 * What the compact table leaves out, one line per finding: a leak's slope and time to
 * out-of-memory, and the memory not returned after release. Nothing in wide mode (the
 * columns say it).
 */
function compactNotes(run: ScenarioRunResult, p: Palette): string[] {
  const out: string[] = [];
  for (const s of run.strategies) {
    const leak = primaryLeak(s);
    if (leak?.verdict !== "leak") continue;
    const oom = leak.projection ? `; out of memory in ${timeToOom(leak)}` : "";
    out.push(
      `  ${s.strategy}: ${p.red("leak")} ${slope(leak.slopeBytesPerIteration, leak.slopeCi)} (${s.primarySignal})${oom}`,
    );
  }
  // Strategies that never released (persistent) have only the device figure after exit: said apart.
  for (const when of ["release", "exit"] as const) {
    const residuals = run.strategies
      .filter((s) => residualAfter(s) === when)
      .map((s) => [s.strategy, residualBytes(s)] as const)
      .filter((x): x is readonly [StrategyResult["strategy"], number] => x[1] !== undefined);
    if (residuals.length === 0) continue;
    const label = when === "release" ? "residual after release" : "never released; device memory after exit";
    out.push(`  ${label}: ${residuals.map(([name, b]) => `${name} ${mib(b)} MiB`).join(", ")}`);
  }
  return out;
}

export function formatSummary(results: ResultsFile, outcomes: readonly GateOutcome[], opts: SummaryOptions): string {
  const p = opts.color ? COLOR : PLAIN;
  const wide = opts.wide === true;
  const out: string[] = [];
  for (const run of results.runs) {
    out.push(
      p.bold(run.key) + p.dim(`  ${run.engine} · ${run.precision} · shapes ${run.sequence} · baseline ${run.baseline}`),
    );
    out.push(runTable(run, p, wide));
    // Lines about the table's figures go right after it (other findings may follow them).
    if (!wide) out.push(...compactNotes(run, p));
    out.push(...allocationTerminal(run));
    out.push(...layerTerminalLines(run));
    out.push(...shapeTerminalLines(run));
    const rec = run.recommendation;
    if (rec) {
      const excluded = rec.excluded.length
        ? `; excluded: ${rec.excluded.map((e) => `${e.strategy} (${exclusionWords(e)})`).join(", ")}`
        : "";
      out.push(
        rec.strategy
          ? `Recommendation: ${p.bold(rec.strategy)}${excluded}`
          : `No recommendation: every strategy was excluded${excluded}`,
      );
      // What it is ranked by and what is known of its memory, so the words match the table.
      for (const line of recommendationWords(run, rec, { terse: true })) out.push(`  ${line}`);
    }
    out.push("");
  }
  const failed = outcomes.filter((o) => o.status === "fail");
  const warned = outcomes.filter((o) => o.status === "warn");
  for (const o of [...failed, ...warned]) out.push(gateLine(o, p));
  const passed = outcomes.length - failed.length - warned.length;
  const verdict = failed.length ? p.red(p.bold("FAIL")) : p.green(p.bold("PASS"));
  out.push(`Gates: ${failed.length} failed, ${warned.length} warned, ${passed} passed → ${verdict}`);
  return out.join("\n");
}

/** One failed or warned gate as one line: "FAIL leak resnet/random/fp32: …". */
function gateLine(o: GateOutcome, p: Palette = PLAIN): string {
  const tag = o.status === "fail" ? p.red("FAIL") : o.status === "warn" ? p.yellow("WARN") : "PASS";
  return `${tag} ${o.gate}${o.run ? ` ${o.run}` : ""}: ${o.message}`;
}

/**
 * The failures of a run, one line each, for `--quiet` (which prints nothing else): every
 * failed gate (a failed strategy is a failed `run` gate). Multi-line messages keep their
 * first line.
 */
export function failureLines(outcomes: readonly GateOutcome[]): string[] {
  return outcomes.filter((o) => o.status === "fail").map((o) => gateLine({ ...o, message: o.message.split("\n")[0]! }));
}
