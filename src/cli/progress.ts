/**
 * Progress of a bench run on stderr: a live bar on a terminal, plain lines otherwise
 * (CI logs), nothing with --quiet. Under --gpus runs overlap: no bar, and every line
 * names its GPU and run, so interleaved lines stay readable.
 */
import cliProgress from "cli-progress";
import type { BenchProgress } from "../run/orchestrator.js";

export function createProgress(opts: { quiet: boolean }): BenchProgress & { stop(): void } {
  const tty = process.stderr.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  let lastPct = -1;
  /** Runs in flight under --gpus: their GPU, total calls and last quarter printed. */
  const parallel = new Map<string, { gpu: number; total: number; lastPct: number }>();
  const log = (line: string) => {
    if (opts.quiet) return;
    if (bar) bar.stop();
    process.stderr.write(`${line}\n`);
    bar = undefined;
  };
  return {
    runStart(key, strategies, totalCalls, gpu) {
      if (gpu !== undefined) {
        parallel.set(key, { gpu, total: totalCalls, lastPct: -1 });
        log(`▶ [GPU ${gpu}] ${key}: ${strategies.join(", ")} (${totalCalls} measured calls)`);
        return;
      }
      total = totalCalls;
      lastPct = -1;
      log(`▶ ${key}: ${strategies.join(", ")} (${totalCalls} measured calls)`);
      if (tty && !opts.quiet) {
        bar = new cliProgress.SingleBar(
          {
            format: "  {bar} {percentage}% | {value}/{total} calls | {duration_formatted}",
            hideCursor: true,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(totalCalls, 0);
      }
    },
    progress(done, key) {
      const p = parallel.get(key);
      if (p) {
        const pct = p.total > 0 ? Math.floor((100 * done) / p.total / 25) * 25 : 0;
        if (pct > p.lastPct && pct > 0) {
          p.lastPct = pct;
          log(`  [GPU ${p.gpu}] ${key}: ${pct}% (${done}/${p.total} calls)`);
        }
        return;
      }
      if (bar) return bar.update(done);
      if (opts.quiet || tty || total === 0) return;
      const pct = Math.floor((100 * done) / total / 25) * 25;
      if (pct > lastPct) {
        lastPct = pct;
        process.stderr.write(`  ${pct}% (${done}/${total} calls)\n`);
      }
    },
    runEnd(key) {
      const p = parallel.get(key);
      if (!p) return;
      parallel.delete(key);
      log(`■ [GPU ${p.gpu}] ${key}: finished`);
    },
    note(line) {
      log(`  ! ${line}`);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
