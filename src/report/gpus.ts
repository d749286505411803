/**
 * The report's words for where each run ran: its GPU as read when the run started
 * (UUID, clocks: `bench --gpus` spreads runs over GPUs), and which strategies' GPU
 * figures are device-level because NVML could not see their process (run/pid-namespace.ts).
 */
import type { ResultsFile, ScenarioRunResult } from "../results/types.js";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const row = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;

/** "1980 / 1980" MHz now / max, "—" where NVML could not tell. */
function clock(now: number | undefined, max: number | undefined): string {
  if (now === undefined && max === undefined) return "—";
  return `${now ?? "?"} / ${max ?? "?"}`;
}

const REASON: Record<string, string> = {
  "pid-not-listed":
    "the device's used memory grew when its process made a CUDA context, but NVML listed no PID of ours",
  "foreign-pids-only":
    "a process appeared on the GPU with it, under a PID that is not ours (another PID namespace, as in a container)",
};

/** Sentences for the strategies whose GPU figures are device-level. */
function attributionLines(run: ScenarioRunResult): string[] {
  const out: string[] = [];
  for (const s of run.strategies) {
    const a = s.gpuAttribution;
    if (!a) continue;
    const trust = a.idle
      ? "The GPU was otherwise idle, so the figures are this strategy's own."
      : `Other processes were on the GPU when the run began (NVML listed PIDs ${a.listedPids.join(", ") || "none"} when this was decided): the figures hold their memory too and are unreliable.`;
    out.push(
      `- \`${run.key}\` **${s.strategy}**: NVML's per-process figure could not see its process: ${REASON[a.reason] ?? a.reason}. ` +
        `Its GPU figures are device-level: device used memory while it ran its calls, on top of what it held when it loaded. ${trust}`,
    );
  }
  return out;
}

/** The "GPU per run" table and the device-level notes; nothing when no run recorded its GPU. */
export function runGpuSection(results: ResultsFile): string[] {
  const runs = results.runs.filter((r) => r.gpu);
  if (!runs.length) return [];
  const lines = [
    "### GPU per run (read at its start)",
    "",
    row(["run", "GPU", "UUID", "SM clock MHz (now / max)", "memory clock MHz (now / max)"]),
    "|---|---|---|---|---|",
  ];
  for (const r of runs) {
    const g = r.gpu!;
    lines.push(
      row([
        `\`${r.key}\``,
        `${g.index}: ${g.name}`,
        g.uuid,
        clock(g.clocks.smMHz, g.clocks.smMaxMHz),
        clock(g.clocks.memMHz, g.clocks.memMaxMHz),
      ]),
    );
  }
  lines.push("");
  const notes = results.runs.flatMap(attributionLines);
  if (notes.length) lines.push("GPU figures measured at device level:", "", ...notes, "");
  return lines;
}
