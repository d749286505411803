/**
 * `npm run bench:harness [-- --iterations N]`: proves the harness's own memory stays flat
 * over a long run. Runs a real scenario (onnxruntime, a tiny generated model so calls are
 * cheap) for 5·10^6 calls by default while sampling the parent's RSS, then judges that RSS
 * series with vramgate's own leak detector. Exit 1 if the harness itself leaks.
 * Why 5·10^6 and not 10^6: here the parent's RSS keeps settling (allocator arenas, V8 heap
 * sizing) for about the first 10^6 calls (~15 s), so a 10^6-call run ends inside that
 * settling and its verdict varies run to run (flat, plateau, inconclusive; once a 5 B/call
 * "leak" in 14 runs). Past it the series is flat.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { writeFileAtomic } from "../io/atomic-write.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTinyReluModel, tinyScenarioYaml } from "../models/tiny.js";
import { parseScenario } from "../scenarios/parse.js";
import { runBench } from "../run/orchestrator.js";
import { analyzeLeak } from "../analysis/leak.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const iterations = arg("iterations", 5_000_000);
  const dir = mkdtempSync(join(tmpdir(), "vramgate-harness-"));
  writeFileAtomic(join(dir, "tiny.onnx"), buildTinyReluModel());
  const yaml = tinyScenarioYaml({
    name: "harness-memory",
    strategies: ["persistent"],
    baseline: "persistent",
    run: `{ warmup: 100, iterations: ${iterations}, rounds: 10, maxDurationS: 3600, watchdogS: 120 }`,
    intervalMs: 5,
  });
  const file = join(dir, "harness.yaml");
  writeFileAtomic(file, yaml);
  const scenario = parseScenario(yaml, file);

  // Parent RSS against calls completed, sampled every 200 ms.
  const iters: number[] = [];
  const rss: number[] = [];
  const times: number[] = [];
  let done = 0;
  const t0 = Date.now();
  // With --expose-gc, collect before each sample so the series shows what is retained,
  // not how lazily V8 collects (the npm script passes it).
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap: number[] = [];
  const timer = setInterval(() => {
    gc?.();
    const m = process.memoryUsage();
    iters.push(done);
    rss.push(m.rss);
    heap.push(m.heapUsed + m.external + m.arrayBuffers);
    times.push(Date.now() - t0);
  }, 200);
  const { results } = await runBench({
    scenarios: [scenario],
    outDir: join(dir, "results"),
    progress: {
      progress: (n) => {
        done = n;
      },
    },
  });
  clearInterval(timer);
  const s = results.runs[0]!.strategies[0]!;
  const seconds = (Date.now() - t0) / 1000;
  // Judge after the first 5 % of calls (module loading, JIT, buffers reaching size).
  const warmupIterations = Math.floor(iterations * 0.05);
  const leak = analyzeLeak({ iteration: iters, value: rss, timeMs: times }, { warmupIterations });
  const heapLeak = analyzeLeak({ iteration: iters, value: heap, timeMs: times }, { warmupIterations });
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(
    `harness memory over ${s.iterations.toLocaleString("en")} calls (${s.state}) in ${seconds.toFixed(0)} s, ${(s.iterations / seconds).toFixed(0)} calls/s`,
  );
  console.log(
    `  parent RSS: start ${mib(rss[0]!)}, min ${mib(Math.min(...rss))}, max ${mib(Math.max(...rss))}, end ${mib(rss.at(-1)!)} (${rss.length} samples)`,
  );
  console.log(`  results series: ${s.series.firstIteration.length} blocks of ${s.series.blockSize} calls`);
  console.log(`  detector on the harness's RSS: ${leak.verdict} — ${leak.explanation}`);
  console.log(
    `  JS heap + external after GC${gc ? "" : " (no --expose-gc: not collected first)"}: ${mib(heap[0]!)} → ${mib(heap.at(-1)!)}; detector: ${heapLeak.verdict} — ${heapLeak.explanation}`,
  );
  rmSync(dir, { recursive: true, force: true });
  process.exitCode = leak.verdict === "leak" || heapLeak.verdict === "leak" ? 1 : 0;
}

await main();
