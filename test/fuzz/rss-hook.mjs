// Preloaded into a CLI run by limits.test.ts: report the process's peak RSS (KiB) on exit.
process.on("exit", () => {
  process.stderr.write(`\nVRAMGATE_MAXRSS_KB ${process.resourceUsage().maxRSS}\n`);
});
