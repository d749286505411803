/**
 * The terminal summary printed after a run: one table per scenario run, the
 * recommendation, then every failed or warned gate and the overall verdict.
 * Colour only when asked (callers pass stdout.isTTY): cli-table3 colours its head and
 * borders by default even off a TTY, so both styles are emptied unless colour is on.
 */
import Table from "cli-table3";
import type { GateOutcome } from "../analysis/types.js";
import type { ResultsFile, ScenarioRunResult, StrategyResult } from "../results/types.js";
import { count, medianRate, mib, primaryLeak, rate, residualBytes, sig3, slope, timeToOom } from "./format.js";
import { recommend } from "./recommend.js";

type Paint = (s: string) => string;
interface Palette {
  red: Paint;
  yellow: Paint;
  green: Paint;
  bold: Paint;
  dim: Paint;
}

const ansi = (open: number, close: number): Paint => (s) => `\u001b[${open}m${s}\u001b[${close}m`;
const COLOR: Palette = { red: ansi(31, 39), yellow: ansi(33, 39), green: ansi(32, 39), bold: ansi(1, 22), dim: ansi(2, 22) };
const id: Paint = (s) => s;
const PLAIN: Palette = { red: id, yellow: id, green: id, bold: id, dim: id };

function verdictCell(s: StrategyResult, p: Palette): string {
  const leak = primaryLeak(s);
  if (!leak) return "—";
  if (leak.verdict === "leak") return p.red(p.bold("leak"));
  if (leak.verdict === "inconclusive") return p.yellow("inconclusive");
  if (leak.verdict === "plateau") return p.yellow("plateau");
  return p.green("flat");
}

function runTable(run: ScenarioRunResult, p: Palette): string {
  // Columns that would be empty for every strategy are left out to keep the table narrow.
  const showOom = run.strategies.some((s) => s.state === "oom" || primaryLeak(s)?.projection);
  const showResidual = run.strategies.some((s) => residualBytes(s) !== undefined);
  const head = ["strategy", "state", "calls/s", `× ${run.baseline} [95% CI]`, "p50/p99 ms", "peak MiB", "slope [95% CI]", "verdict"];
  const colAligns: Array<"left" | "right"> = ["left", "left", "right", "left", "right", "right", "left", "left"];
  if (showOom) head.push("time to OOM"), colAligns.push("left");
  if (showResidual) head.push("residual MiB"), colAligns.push("right");
  const table = new Table({
    head,
    colAligns,
    style: p === PLAIN ? { head: [], border: [], compact: true } : { head: ["cyan"], border: ["grey"], compact: true },
  });
  const ratios = new Map((run.throughput ?? []).map((t) => [t.strategy, t]));
  for (const s of run.strategies) {
    const t = ratios.get(s.strategy);
    const leak = primaryLeak(s);
    const peak = s.peakBytes[s.primarySignal];
    const residue = residualBytes(s);
    const itemsPerSecond = medianRate(s.rounds);
    let ratio = "—";
    if (s.strategy === run.baseline) ratio = "baseline";
    else if (t && t.claim !== "no-data") {
      const text = `${t.ratio.toFixed(2)}× [${t.ratioCi[0].toFixed(2)}, ${t.ratioCi[1].toFixed(2)}]`;
      ratio = t.claim === "faster" ? p.green(text) : t.claim === "slower" ? p.red(text) : text;
    } else if (t) ratio = "no data";
    const state = s.state === "completed" ? s.state : p.red(s.state === "oom" && s.oom ? `oom at ${count(s.oom.iteration)}` : s.state);
    const row = [
      s.strategy,
      state,
      itemsPerSecond !== undefined ? rate(itemsPerSecond) : "—",
      ratio,
      s.latency ? `${sig3(s.latency.p50Ms)}/${sig3(s.latency.p99Ms)}` : "—",
      typeof peak === "number" ? mib(peak) : "—",
      leak ? slope(leak.slopeBytesPerIteration, leak.slopeCi) : "—",
      verdictCell(s, p),
    ];
    if (showOom) row.push(s.state === "oom" && s.oom ? p.red(`ran out at ${count(s.oom.iteration)}`) : timeToOom(leak));
    if (showResidual) row.push(residue !== undefined ? mib(residue) : "—");
    table.push(row);
  }
  return table.toString();
}

export function formatSummary(results: ResultsFile, outcomes: readonly GateOutcome[], opts: { color: boolean }): string {
  const p = opts.color ? COLOR : PLAIN;
  const out: string[] = [];
  for (const run of results.runs) {
    out.push(p.bold(run.key) + p.dim(`  ${run.engine} · ${run.precision} · shapes ${run.sequence} · baseline ${run.baseline}`));
    out.push(runTable(run, p));
    const rec = recommend(run);
    const excluded = rec.excluded.length ? `; excluded: ${rec.excluded.map((e) => `${e.strategy} (${e.reason})`).join(", ")}` : "";
    out.push(rec.strategy ? `Recommendation: ${p.bold(rec.strategy)}${excluded}` : `No recommendation: every strategy was excluded${excluded}`);
    out.push("");
  }
  const failed = outcomes.filter((o) => o.status === "fail");
  const warned = outcomes.filter((o) => o.status === "warn");
  for (const o of [...failed, ...warned]) {
    const tag = o.status === "fail" ? p.red("FAIL") : p.yellow("WARN");
    out.push(`${tag} ${o.gate}${o.run ? ` ${o.run}` : ""}: ${o.message}`);
  }
  const passed = outcomes.length - failed.length - warned.length;
  const verdict = failed.length ? p.red(p.bold("FAIL")) : p.green(p.bold("PASS"));
  out.push(`Gates: ${failed.length} failed, ${warned.length} warned, ${passed} passed → ${verdict}`);
  return out.join("\n");
}
