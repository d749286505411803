/**
 * Allocation stacks in words: where the blocks a traced run left alive were allocated
 * (results' allocationSites, recorded for strategies judged leak or on --trace-allocations),
 * and where the snapshot is, to open in PyTorch's memory visualiser.
 */
import type { AllocationSite } from "../engines/allocation-sites.js";
import { formatBytes, formatCount } from "../format.js";
import type { ScenarioRunResult, StrategyResult } from "../results/types.js";

const MEMORY_VIZ_URL = "https://pytorch.org/memory_viz";

/** "leaky_worker.py:45 (infer) — 300 MiB in 100 blocks" */
function siteWords(site: AllocationSite): string {
  const blocks = site.count === 1 ? "1 block" : `${formatCount(site.count)} blocks`;
  return `${site.file}:${site.line} (${site.function}) — ${formatBytes(site.bytes)} in ${blocks}`;
}

/** One sentence about a strategy's traced run: what it left alive, or why nothing was recorded. */
function allocationSummary(s: StrategyResult): string | undefined {
  const a = s.allocationSites;
  if (!a) return undefined;
  const over = a.calls === undefined ? "" : ` over ${formatCount(a.calls)} traced calls`;
  if ("error" in a) return `no allocation stacks${over}: ${a.error}`;
  if (a.count === 0) return `nothing allocated${over} was still alive at the end: no allocation site to point at`;
  return `${formatBytes(a.bytes)} in ${formatCount(a.count)} blocks allocated${over} were still alive at the end`;
}

/** The markdown section: per traced strategy, the top sites and the snapshot. Empty when none was traced. */
export function allocationMarkdown(run: ScenarioRunResult): string[] {
  const traced = run.strategies.filter((s) => s.allocationSites);
  if (!traced.length) return [];
  const lines = ["### Allocation stacks", ""];
  for (const s of traced) {
    const a = s.allocationSites!;
    lines.push(`- **${s.strategy}**: ${allocationSummary(s)}.`);
    if ("error" in a) continue;
    for (const site of a.sites)
      lines.push(
        `  - allocated here: \`${site.file}:${site.line}\` (${site.function}) — ${formatBytes(site.bytes)} in ${formatCount(site.count)} block${site.count === 1 ? "" : "s"}`,
      );
    if (a.snapshotFile)
      lines.push(
        `  - snapshot saved at \`${a.snapshotFile}\`: open it in PyTorch's memory visualiser (${MEMORY_VIZ_URL}).`,
      );
  }
  lines.push("");
  return lines;
}

/** Terminal lines: the top site per traced strategy and the snapshot's path. */
export function allocationTerminal(run: ScenarioRunResult): string[] {
  const out: string[] = [];
  for (const s of run.strategies) {
    const a = s.allocationSites;
    if (!a) continue;
    if ("error" in a || !a.sites.length) {
      out.push(`  ${s.strategy}: ${allocationSummary(s)}`);
      continue;
    }
    out.push(
      `  ${s.strategy}: allocated here: ${siteWords(a.sites[0]!)}${a.sites.length > 1 ? ` (+${a.sites.length - 1} more sites)` : ""}`,
    );
    if (a.snapshotFile) out.push(`    snapshot: ${a.snapshotFile} (open in ${MEMORY_VIZ_URL})`);
  }
  return out;
}
