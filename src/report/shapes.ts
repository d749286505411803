/**
 * Words and tables for dynamic shapes: the tax per strategy (first-seen-shape calls vs
 * repeat calls: latency and memory), where growth came from, the bound if every allowed
 * shape is seen, whether the verdict was confirmed by replay, what the user can do, and
 * the side-by-side of a scenario's sequences (raw vs bucketed).
 */
import type { ShapeAttribution, ShapeTax } from "../results/verdicts.js";
import type { ResultsFile, ScenarioRunResult, StrategyResult } from "../results/types.js";
import { KIB, MIB, formatCount, mib, sig3 } from "../format.js";
import { medianRate, primaryLeak } from "../analysis/figures.js";

/** Bytes in the unit that suits them: "80 KiB", "2.0 MiB", "−12 KiB". */
function bytesShort(b: number): string {
  const a = Math.abs(b);
  const sign = b < 0 ? "−" : "";
  if (a >= MIB) return `${sign}${sig3(a / MIB)} MiB`;
  if (a >= KIB) return `${sign}${sig3(a / KIB)} KiB`;
  return `${sign}${Math.round(a)} B`;
}

function bytesCi(ci: [number, number]): string {
  return `[${bytesShort(ci[0])}, ${bytesShort(ci[1])}]`;
}

/** The strategy's tax and its primary attribution, when the run fed new shapes. */
function shapeFacts(s: StrategyResult): { tax: ShapeTax; attr?: ShapeAttribution } | undefined {
  const tax = s.analysis?.tax;
  if (!tax || tax.newShapeCalls === 0) return undefined;
  const attr = s.analysis?.shapes?.[s.primarySignal];
  return attr ? { tax, attr } : { tax };
}

/** True when some strategy of the run met shapes for the first time during measurement. */
export function hasShapeGrowthData(run: ScenarioRunResult): boolean {
  return run.strategies.some((s) => shapeFacts(s) !== undefined);
}

export interface TaxRow {
  strategy: string;
  newCalls: string;
  newLatency: string;
  repeatLatency: string;
  slower: string;
  perShape: string;
  repeats: string;
}

const lat = (l: ShapeTax["newShapeLatencyMs"]): string => (l ? `${sig3(l.p50)} / ${sig3(l.p99)}` : "—");

/** One row per strategy that met new shapes: the figures of the dynamic-shape tax. */
export function taxRows(run: ScenarioRunResult): TaxRow[] {
  const rows: TaxRow[] = [];
  for (const s of run.strategies) {
    const f = shapeFacts(s);
    if (!f) continue;
    const { tax, attr } = f;
    rows.push({
      strategy: s.strategy,
      newCalls: `${formatCount(tax.newShapeCalls)} / ${formatCount(tax.repeatCalls)}`,
      newLatency: lat(tax.newShapeLatencyMs),
      repeatLatency: lat(tax.repeatLatencyMs),
      slower:
        tax.latencyRatio !== undefined && tax.latencyRatioCi
          ? `${tax.latencyRatio.toFixed(2)}× [${tax.latencyRatioCi[0].toFixed(2)}, ${tax.latencyRatioCi[1].toFixed(2)}]`
          : "—",
      perShape:
        tax.bytesPerNewShape !== undefined && tax.bytesPerNewShapeCi
          ? `${bytesShort(tax.bytesPerNewShape)} ${bytesCi(tax.bytesPerNewShapeCi)}`
          : "—",
      repeats: attr?.repeat ? attr.repeat.verdict : "—",
    });
  }
  return rows;
}

export const TAX_HEAD = [
  "strategy",
  "new / repeat calls",
  "new-shape p50 / p99 ms",
  "repeat p50 / p99 ms",
  "new ÷ repeat latency [95 % CI]",
  "memory per new shape [95 % CI]",
  "repeat calls",
];

function shapesSeen(run: ScenarioRunResult, attr: ShapeAttribution | undefined): string {
  const seen = attr?.distinctShapes;
  const allowed = run.allowedShapes;
  const a = allowed ? `${allowed.exact ? "" : "at least "}${formatCount(allowed.count)}` : undefined;
  if (seen === undefined) return a ? `${a} shapes allowed` : "";
  return a ? `${formatCount(seen)} of ${a} allowed shapes seen` : `${formatCount(seen)} shapes seen`;
}

/** A sentence per strategy: where growth came from and what it bounds to. */
export function shapeSentence(run: ScenarioRunResult, s: StrategyResult): string | undefined {
  const f = shapeFacts(s);
  if (!f?.attr) return undefined;
  const a = f.attr;
  const seen = shapesSeen(run, a);
  const per = `${bytesShort(a.bytesPerNewShape)} per new shape ${bytesCi(a.bytesPerNewShapeCi)}`;
  const repeat = a.repeat;
  const onRepeats = !repeat
    ? "no repeat calls to judge"
    : repeat.verdict === "leak"
      ? `keeps growing on repeated shapes (${bytesShort(repeat.slopeBytesPerIteration)}/call)`
      : repeat.verdict === "flat"
        ? "0 on repeated shapes (flat)"
        : repeat.verdict === "plateau"
          ? "settles on repeated shapes (plateau)"
          : `repeated shapes ${repeat.verdict}`;
  let bound = "";
  if (a.bound) {
    const b = a.bound;
    bound = b.fits
      ? `; bound ~${mib(b.projectedBytes)} MiB (up to ${mib(b.projectedCi[1])} MiB) if every allowed shape is seen — fits in ${mib(b.capacityBytes)} MiB`
      : `; would run out of memory after ~${formatCount(b.shapesToOom ?? 0)} more new shapes (bound up to ${mib(b.projectedCi[1])} MiB of ${mib(b.capacityBytes)} MiB)`;
  }
  return `grows ${per}, ${onRepeats}; ${seen}${bound}`;
}

/** What confirmation did to the verdict, in words; undefined when nothing was replayed. */
export function confirmationSentence(s: StrategyResult): string | undefined {
  const c = s.confirmation;
  if (!c || c.replayCalls === 0) return undefined;
  const replay = `${formatCount(c.replayCalls)} replay calls at seen shapes`;
  if (c.checks.length === 0)
    return `${replay}; verdict ${c.verdictAfter ?? primaryLeak(s)?.verdict ?? "—"} (no confirmation needed)`;
  if (c.confirmed)
    return `${replay}; ${c.verdictBefore} confirmed (${c.checks.length} extension${c.checks.length > 1 ? "s" : ""} agreed)`;
  if (c.verdictBefore === "inconclusive" && !c.budgetExhausted)
    return `${replay}; inconclusive after replay, decided by the extension: ${c.verdictAfter} (checks: ${c.checks.join(" → ")})`;
  const why = c.budgetExhausted ? "the budget ran out before two checks agreed" : `it became ${c.verdictAfter}`;
  return `${replay}; ${c.verdictBefore} not confirmed: ${why} (checks: ${c.checks.join(" → ")})`;
}

/** Advice for a run whose strategies grow with shapes. */
export function shapeAdvice(run: ScenarioRunResult): string | undefined {
  const grows = run.strategies.filter((s) => primaryLeak(s)?.verdict === "shape-growth");
  if (grows.length === 0) return undefined;
  const overflow = grows.some((s) => s.analysis?.shapes?.[s.primarySignal]?.bound?.fits === false);
  const parts = [
    "pad dynamic dimensions to a few sizes (a sequence with `multipleOf: N` or `buckets: [...]` measures it side by side)",
    "give the profile a static variant (min = opt = max) where inputs allow it",
    "warm up every shape you serve before taking traffic",
  ];
  return `${overflow ? "Growth per new shape would not fit in memory: " : "What you can do: "}${parts.join("; ")}.`;
}

export interface SequenceComparison {
  scenario: string;
  precision: string;
  /** Per strategy present in every run compared: calls/s and peak per sequence. */
  rows: Array<{
    strategy: string;
    cells: Array<{ sequence: string; rate?: number; peakBytes?: number; distinct?: number; perShape?: number }>;
  }>;
  sequences: string[];
}

/**
 * Runs of one scenario and precision that differ only in their sequence (e.g. random vs
 * bucketed), side by side. Runs are not interleaved with each other, so the figures are
 * per-run medians, not paired ratios.
 */
export function sequenceComparisons(results: ResultsFile): SequenceComparison[] {
  const groups = new Map<string, ScenarioRunResult[]>();
  for (const r of results.runs) {
    const k = `${r.scenario}\u0000${r.precision}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const out: SequenceComparison[] = [];
  for (const runs of groups.values()) {
    if (runs.length < 2) continue;
    const strategies = runs[0]!.strategies
      .map((s) => s.strategy)
      .filter((name) => runs.every((r) => r.strategies.some((s) => s.strategy === name)));
    out.push({
      scenario: runs[0]!.scenario,
      precision: runs[0]!.precision,
      sequences: runs.map((r) => r.sequence),
      rows: strategies.map((name) => ({
        strategy: name,
        cells: runs.map((r) => {
          const s = r.strategies.find((x) => x.strategy === name)!;
          const cell: SequenceComparison["rows"][number]["cells"][number] = { sequence: r.sequence };
          const rate = medianRate(s.rounds);
          if (rate !== undefined) cell.rate = rate;
          const peak = s.peakBytes[s.primarySignal];
          if (typeof peak === "number") cell.peakBytes = peak;
          if (s.shapeStats) cell.distinct = s.shapeStats.distinctShapes;
          if (s.analysis?.tax?.bytesPerNewShape !== undefined) cell.perShape = s.analysis.tax.bytesPerNewShape;
          return cell;
        }),
      })),
    });
  }
  return out;
}

/** "412 calls/s (1.31× random), peak 1 234 MiB (−210 MiB), 12 shapes" for one cell against the first sequence. */
export function comparisonCell(
  cell: SequenceComparison["rows"][number]["cells"][number],
  ref: SequenceComparison["rows"][number]["cells"][number],
  isRef: boolean,
): string {
  const parts: string[] = [];
  if (cell.rate !== undefined) {
    const vs = !isRef && ref.rate ? ` (${(cell.rate / ref.rate).toFixed(2)}× ${ref.sequence})` : "";
    parts.push(`${sig3(cell.rate)} calls/s${vs}`);
  }
  if (cell.peakBytes !== undefined) {
    const diff = ref.peakBytes !== undefined ? cell.peakBytes - ref.peakBytes : 0;
    const d =
      isRef || ref.peakBytes === undefined
        ? ""
        : mib(Math.abs(diff)) === "0.0"
          ? " (same)"
          : ` (${diff > 0 ? "+" : "−"}${mib(Math.abs(diff))} MiB)`;
    parts.push(`peak ${mib(cell.peakBytes)} MiB${d}`);
  }
  if (cell.distinct !== undefined) parts.push(`${formatCount(cell.distinct)} shapes`);
  return parts.join(", ") || "—";
}

/**
 * Terminal lines for one run's dynamic shapes (under its table), each within 100 columns:
 * per strategy that met new shapes, new/repeat calls, p50 latency of each, their ratio with
 * its CI, memory per new shape and the repeats' verdict; then what confirmation did.
 */
export function shapeTerminalLines(run: ScenarioRunResult): string[] {
  const lines: string[] = [];
  const rows = taxRows(run);
  if (rows.length) {
    const seen = shapesSeen(
      run,
      run.strategies.map((s) => s.analysis?.shapes?.[s.primarySignal]).find((a) => a !== undefined),
    );
    lines.push(`Dynamic shapes${seen ? ` (${seen})` : ""}: new/repeat calls, p50 ms new vs repeat, memory`);
    for (const s of run.strategies) {
      const f = shapeFacts(s);
      if (!f) continue;
      const { tax, attr } = f;
      const p50 = `${tax.newShapeLatencyMs ? sig3(tax.newShapeLatencyMs.p50) : "—"} vs ${tax.repeatLatencyMs ? sig3(tax.repeatLatencyMs.p50) : "—"} ms`;
      const ratio =
        tax.latencyRatio !== undefined && tax.latencyRatioCi
          ? `×${tax.latencyRatio.toFixed(2)} [${tax.latencyRatioCi[0].toFixed(2)}, ${tax.latencyRatioCi[1].toFixed(2)}]`
          : "";
      const mem = tax.bytesPerNewShape !== undefined ? `${bytesShort(tax.bytesPerNewShape)}/shape` : "";
      const cells = [
        s.strategy.padEnd(12),
        `${formatCount(tax.newShapeCalls)}/${formatCount(tax.repeatCalls)}`.padEnd(9),
        p50.padEnd(17),
        ratio.padEnd(20),
        mem.padEnd(15),
        attr?.repeat ? `repeats ${attr.repeat.verdict}` : "",
      ];
      lines.push(`  ${cells.join(" ").trimEnd()}`);
    }
  }
  for (const s of run.strategies) {
    const c = s.confirmation;
    if (!c || c.checks.length === 0) continue;
    const outcome = c.confirmed
      ? `${c.verdictBefore} confirmed`
      : c.budgetExhausted
        ? `${c.verdictBefore} → ${c.verdictAfter}, undecided (budget out)`
        : `${c.verdictBefore} → ${c.verdictAfter}`;
    lines.push(
      `  ${s.strategy}: ${formatCount(c.replayCalls)} replay calls at seen shapes; ${outcome} (checks: ${c.checks.join(", ")})`,
    );
  }
  return lines;
}
