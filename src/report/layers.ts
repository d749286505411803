/**
 * The memory layers in words and pictures: where growth lives (from `analysis.layers`,
 * decided in src/analysis/layers.ts), each layer's verdict, whether sources agree, and a
 * chart of every layer of a strategy on one iteration axis. Nothing is decided here.
 */
import type { GrowthPlace, LayerAnalysis, LayerFigure, SourceCheck } from "../results/layers.js";
import type { ScenarioRunResult, StrategyResult } from "../results/types.js";
import { MIB, formatBytes, slope } from "../format.js";
import { lineChart, signalLabel, type ChartLine } from "./svg.js";

/** Where growth lives, as the report says it. */
function placeWords(place: GrowthPlace, layers: LayerAnalysis): string {
  if (place === "tensors") return "your tensors (allocated grows)";
  if (place === "allocator-cache")
    return layers.where.includes("tensors")
      ? "allocator cache / fragmentation (reserved grows faster than allocated)"
      : "allocator cache / fragmentation (reserved grows, allocated flat)";
  return "outside the allocator (library caches, kernels, raw allocations)";
}

/** "your tensors (allocated grows) and outside the allocator (…)", or what is true when no layer grows. */
export function whereWords(layers: LayerAnalysis): string {
  if (layers.where.length) return layers.where.map((p) => placeWords(p, layers)).join(" and ");
  if (layers.unattributed) return "no single layer (the process total grows; its layers each stay within noise)";
  return "no layer grows";
}

/** "leak +3.00 MiB/iter" or the verdict alone when the layer does not grow. */
function figureWords(f: LayerFigure | undefined): string {
  if (!f) return "—";
  return f.verdict === "leak" ? `leak ${slope(f.slopeBytesPerIteration)}` : f.verdict;
}

function sourceWords(c: SourceCheck): string {
  const [a, b] = c.signals;
  const [sa, sb] = c.slopesBytesPerIteration;
  const how = c.agree ? "agree" : "DISAGREE";
  const why = !c.agree && c.quantity === "allocator-share" ? "; the difference is growth outside the allocator" : "";
  return `${a} and ${b} ${how} (${slope(sa)} vs ${slope(sb)}, tolerance ±${formatBytes(c.toleranceBytesPerIteration)}/iter)${why}`;
}

function layersOf(s: StrategyResult): LayerAnalysis | undefined {
  return s.analysis?.layers;
}

/**
 * One compact line per strategy with layers:
 * "  persistent layers: allocated leak +3.00 MiB/iter · reserved … · outside flat → your tensors (allocated grows)",
 * and a line for every pair of sources that disagree (layers or not).
 */
export function layerTerminalLines(run: ScenarioRunResult): string[] {
  const out: string[] = [];
  for (const s of run.strategies) {
    const l = layersOf(s);
    if (l) {
      const parts = [
        `allocated ${l.allocated.map(figureWords).join("/")}`,
        `reserved ${l.reserved.map(figureWords).join("/")}`,
        `outside ${figureWords(l.outside)}`,
      ];
      out.push(`  ${s.strategy} layers (${l.allocators.join("+")}): ${parts.join(" · ")} → ${whereWords(l)}`);
    }
    for (const c of s.analysis?.sources ?? []) if (!c.agree) out.push(`  ${s.strategy} sources: ${sourceWords(c)}`);
  }
  return out;
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|");
}

/**
 * The markdown section: a table of every layer's verdict per strategy and where growth lives
 * (when layers exist), then the sources compared (whenever one was judged a leak).
 */
export function layerMarkdown(run: ScenarioRunResult): string[] {
  const lines: string[] = [];
  const withLayers = run.strategies.filter((s) => layersOf(s) !== undefined);
  if (withLayers.length) {
    lines.push(
      "### Memory layers",
      "",
      "Process total (NVML) = allocator reserved + outside the allocator; reserved = allocated (live tensors) + the allocator's cache.",
      "",
      "| strategy | process total | allocated | reserved | outside the allocator | growth lives in |",
      "|---|---|---|---|---|---|",
    );
    for (const s of withLayers) {
      const l = layersOf(s)!;
      const row = [
        s.strategy,
        figureWords(l.total),
        l.allocated.map((f) => `${figureWords(f)} (${f.signal})`).join("; "),
        l.reserved.map((f) => `${figureWords(f)} (${f.signal})`).join("; "),
        figureWords(l.outside),
        whereWords(l),
      ];
      lines.push(`| ${row.map(cell).join(" | ")} |`);
    }
    lines.push("");
  }
  const notes = run.strategies.flatMap((s) =>
    (s.analysis?.sources ?? []).map((c) => `- ${s.strategy}: ${sourceWords(c)}.`),
  );
  if (notes.length) lines.push("Sources of the same quantity, compared where one is judged a leak:", "", ...notes, "");
  return lines;
}

const LAYER_COLORS: Record<string, string> = {
  total: "#000000",
  allocated: "#1f77b4",
  reserved: "#ff7f0e",
  outside: "#2ca02c",
};

/** Every layer of one strategy (block max, MiB) on one iteration axis; undefined without layers. */
export function layerChart(run: ScenarioRunResult, s: StrategyResult): string | undefined {
  const l = layersOf(s);
  if (!l) return undefined;
  const x = s.series.lastIteration.slice();
  const lines: ChartLine[] = [];
  const add = (f: LayerFigure | undefined, role: string, dashed = false): void => {
    const sig = f ? s.series.signals[f.signal] : undefined;
    if (!f || !sig || sig.max.length === 0) return;
    lines.push({
      label: `${role}: ${signalLabel(f.signal)} (${f.verdict})`,
      color: LAYER_COLORS[role] ?? "#333333",
      x: x.slice(0, sig.max.length),
      y: sig.max.map((b) => b / MIB),
      dashed,
    });
  };
  add(l.total, "total");
  for (const f of l.reserved) add(f, "reserved");
  // TensorRT's allocator caches nothing: its allocated line is its reserved line.
  for (const f of l.allocated) if (!l.reserved.some((r) => r.signal === f.signal)) add(f, "allocated", true);
  add(l.outside, "outside");
  if (lines.length === 0) return undefined;
  return lineChart({
    title: `${run.key} · ${s.strategy} — memory layers (growth: ${l.where.join(" + ") || "none"})`,
    xLabel: "measured iteration",
    yLabel: "bytes per layer, MiB",
    lines,
  });
}
