/**
 * Progress of a bench run on stderr: a live bar on a terminal, plain lines otherwise
 * (CI logs), nothing with --quiet.
 */
import cliProgress from "cli-progress";
import type { BenchProgress } from "../run/orchestrator.js";

export function createProgress(opts: { quiet: boolean }): BenchProgress & { stop(): void } {
  const tty = process.stderr.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  let lastPct = -1;
  const log = (line: string) => {
    if (opts.quiet) return;
    if (bar) bar.stop();
    process.stderr.write(`${line}\n`);
    bar = undefined;
  };
  return {
    runStart(key, strategies, totalCalls) {
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
    progress(done) {
      if (bar) return bar.update(done);
      if (opts.quiet || tty || total === 0) return;
      const pct = Math.floor((100 * done) / total / 25) * 25;
      if (pct > lastPct) {
        lastPct = pct;
        process.stderr.write(`  ${pct}% (${done}/${total} calls)\n`);
      }
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
