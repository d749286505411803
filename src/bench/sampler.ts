/**
 * Native sampler benchmark: `npm run bench:sampler` (after `npm run build` and
 * `npm run build:native`), on a machine with an NVIDIA GPU. Options:
 *   --gpu-loop PATH   the native/bench/gpu_loop binary (built with nvcc) for the overhead part
 *   --out FILE        write the JSON results there
 *   --interval-ms N   sampling interval (default 1)
 *   --plant-mib N     planted cudaMalloc size (default 256), --plant-repeats N (default 10)
 *   --rounds N        interleaved on/off rounds per loop configuration (default 8)
 *   --round-s S       target seconds per round (default 1)
 *
 * Measures: (1) the sampling rate achieved at the interval (mean/max period, overruns,
 * missed deadlines, cost of one sample); (2) how soon a cudaMalloc made by a separate,
 * watched child process appears in gpuProcessBytes, and how soon its cudaFree disappears,
 * in ms from the call's return to the first sample (taken after the return) showing it;
 * (3) the throughput of an inference-like GPU loop (gpu_loop, a separate process) with the
 * sampler watching it vs not, as interleaved rounds in one run (ratio on/off, per pair).
 * Without NVML it says so and measures only what it can (the rate on host RSS).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileAtomic } from "../io/atomic-write.js";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { mean, quantile, sampleStandardDeviation } from "simple-statistics";
import { addonStatus, loadAddon } from "../native/binding.js";
import type { AddonModule, AddonSampler, SamplerDrain, SamplerStats } from "../native/AddonTypes.js";

const MiB = 1024 * 1024;

const { values: opts } = parseArgs({
  options: {
    child: { type: "string" },
    "gpu-loop": { type: "string" },
    out: { type: "string" },
    "interval-ms": { type: "string", default: "1" },
    "plant-mib": { type: "string", default: "256" },
    "plant-repeats": { type: "string", default: "10" },
    rounds: { type: "string", default: "8" },
    "round-s": { type: "string", default: "1" },
  },
});

function positive(name: string, raw: string | undefined): number {
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`vramgate bench:sampler: --${name} expects a positive number, got "${raw}"`);
    process.exit(2);
  }
  return v;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function requireAddon(): AddonModule {
  const addon = loadAddon();
  if (!addon) {
    console.error(`vramgate bench:sampler: ${addonStatus().reason}`);
    process.exit(3);
  }
  return addon;
}

/** A child process spoken to by lines on stdin/stdout. */
class LineChild {
  readonly proc: ChildProcess;
  private buf = "";
  private lines: string[] = [];
  private waiters: Array<() => void> = [];
  private ended = false;
  constructor(cmd: string, args: string[]) {
    this.proc = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"] });
    this.proc.stdout!.setEncoding("utf8");
    this.proc.stdout!.on("data", (c: string) => {
      this.buf += c;
      const parts = this.buf.split("\n");
      this.buf = parts.pop() ?? "";
      this.lines.push(...parts);
      for (const w of this.waiters.splice(0)) w();
    });
    this.proc.on("exit", () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }
  get pid(): number {
    return this.proc.pid!;
  }
  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }
  async next(prefix: string, timeoutMs = 120_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.lines.findIndex((l) => l.startsWith(prefix));
      if (i >= 0)
        return this.lines
          .splice(0, i + 1)
          .pop()!
          .split(/\s+/);
      if (this.ended) throw new Error(`child exited before printing "${prefix}"`);
      if (Date.now() > deadline) throw new Error(`no "${prefix}" from child within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
  async close(): Promise<void> {
    if (this.proc.exitCode === null) {
      this.send("quit");
      this.proc.stdin!.end();
      await new Promise((r) => this.proc.once("exit", r));
    }
  }
}

// ---------------------------------------------------------------------------------------
// Child role: plants and frees device allocations on command, printing CLOCK_MONOTONIC
// stamps around each call (the parent's sampler watches this process).
async function plantChild(): Promise<void> {
  const addon = requireAddon();
  const bytes = positive("plant-mib", opts["plant-mib"]) * MiB;
  const repeats = positive("plant-repeats", opts["plant-repeats"]);
  // The CUDA context (~0.5 GiB) is created by this first small allocation, before the parent starts measuring.
  const warm = addon.plantDeviceAllocation(MiB);
  process.stdout.write(`ready ${process.pid}\n`);
  await new Promise<void>((r) => process.stdin.once("data", () => r()));
  for (let i = 0; i < repeats; i++) {
    await sleep(150);
    const a0 = addon.monotonicNs();
    const h = addon.plantDeviceAllocation(bytes);
    const a1 = addon.monotonicNs();
    await sleep(150);
    const f0 = addon.monotonicNs();
    addon.freeDeviceAllocation(h);
    const f1 = addon.monotonicNs();
    process.stdout.write(`event ${i} ${a0} ${a1} ${f0} ${f1}\n`);
  }
  await sleep(100);
  addon.freeDeviceAllocation(warm);
  process.stdout.write("end\n");
}

// ---------------------------------------------------------------------------------------
interface PlantEvent {
  allocStartNs: number;
  allocReturnNs: number;
  freeStartNs: number;
  freeReturnNs: number;
}

/** Sample standard deviation; 0 for a single value (no spread to measure). */
function sd(xs: number[]): number {
  return xs.length > 1 ? sampleStandardDeviation(xs) : 0;
}

/** First sample index with tNs >= t, or -1. */
function firstAtOrAfter(d: SamplerDrain, t: number): number {
  for (let i = 0; i < d.tNs.length; i++) if (d.tNs[i]! >= t) return i;
  return -1;
}

function analysePlant(d: SamplerDrain, events: PlantEvent[], bytes: number, intervalMs: number) {
  const rows = events.map((e, k) => {
    // Baseline: the last sample started two intervals before cudaMalloc was called. A sample
    // started just before the call can already see the allocation: its NVML read comes tens
    // of µs after its timestamp (seen once on an H100, where it made the event look unseen).
    const i0 = firstAtOrAfter(d, e.allocStartNs - 2 * intervalMs * 1e6) - 1;
    const base = i0 >= 0 ? d.gpuProcessBytes[i0]! : Number.NaN;
    const seen = (i: number) => d.gpuProcessBytes[i]! - base >= bytes * 0.9;
    const gone = (i: number) => d.gpuProcessBytes[i]! - base <= bytes * 0.1;
    const ia = firstAtOrAfter(d, e.allocReturnNs);
    let iSeen = -1;
    for (let i = ia; i >= 0 && i < d.tNs.length && d.tNs[i]! < e.freeStartNs; i++) {
      if (seen(i)) {
        iSeen = i;
        break;
      }
    }
    const iF = firstAtOrAfter(d, e.freeReturnNs);
    let iGone = -1;
    for (
      let i = iF;
      i >= 0 && i < d.tNs.length && (events[k + 1] ? d.tNs[i]! < events[k + 1]!.allocStartNs : true);
      i++
    ) {
      if (gone(i)) {
        iGone = i;
        break;
      }
    }
    const plateau = iSeen >= 0 ? d.gpuProcessBytes[iSeen]! - base : Number.NaN;
    return {
      baselineBytes: base,
      deltaBytes: plateau,
      cudaMallocMs: (e.allocReturnNs - e.allocStartNs) / 1e6,
      appearLatencyMs: iSeen >= 0 ? (d.tNs[iSeen]! - e.allocReturnNs) / 1e6 : null,
      appearSamplesAfterReturn: iSeen >= 0 ? iSeen - ia + 1 : null,
      disappearLatencyMs: iGone >= 0 ? (d.tNs[iGone]! - e.freeReturnNs) / 1e6 : null,
      disappearSamplesAfterReturn: iGone >= 0 ? iGone - iF + 1 : null,
    };
  });
  const appear = rows.map((r) => r.appearLatencyMs).filter((x): x is number => x !== null);
  const disappear = rows.map((r) => r.disappearLatencyMs).filter((x): x is number => x !== null);
  return {
    plantedBytes: bytes,
    events: rows,
    seen: appear.length,
    freedSeen: disappear.length,
    appearLatencyMs: appear.length
      ? { mean: mean(appear), p50: quantile(appear, 0.5), max: Math.max(...appear) }
      : null,
    disappearLatencyMs: disappear.length
      ? { mean: mean(disappear), p50: quantile(disappear, 0.5), max: Math.max(...disappear) }
      : null,
    withinTwoIntervals: rows.every(
      (r) =>
        r.appearSamplesAfterReturn !== null &&
        r.appearSamplesAfterReturn <= 2 &&
        r.disappearSamplesAfterReturn !== null &&
        r.disappearSamplesAfterReturn <= 2,
    ),
    intervalMs,
  };
}

async function measurePlant(addon: AddonModule, intervalMs: number) {
  const bytes = positive("plant-mib", opts["plant-mib"]) * MiB;
  const self = fileURLToPath(import.meta.url);
  const child = new LineChild(process.execPath, [
    self,
    "--child",
    "plant",
    "--plant-mib",
    String(opts["plant-mib"]),
    "--plant-repeats",
    String(opts["plant-repeats"]),
  ]);
  try {
    await child.next("ready");
    const s = new addon.Sampler({ intervalMs, capacity: 1 << 20 });
    s.setPids([child.pid]);
    s.start();
    await sleep(100);
    child.send("go");
    const events: PlantEvent[] = [];
    const repeats = positive("plant-repeats", opts["plant-repeats"]);
    for (let i = 0; i < repeats; i++) {
      const f = await child.next("event");
      events.push({
        allocStartNs: Number(f[2]),
        allocReturnNs: Number(f[3]),
        freeStartNs: Number(f[4]),
        freeReturnNs: Number(f[5]),
      });
    }
    await child.next("end");
    await sleep(20);
    s.stop();
    const stats = s.stats();
    return { ...analysePlant(s.drain(), events, bytes, intervalMs), samplerStats: stats };
  } finally {
    await child.close();
  }
}

async function measureRate(
  addon: AddonModule,
  intervalMs: number,
  pid: number,
  seconds: number,
): Promise<SamplerStats> {
  const s = new addon.Sampler({ intervalMs, capacity: 1 << 20 });
  s.setPids([pid]);
  s.start();
  await sleep(seconds * 1000);
  s.stop();
  return s.stats();
}

interface LoopConfig {
  n: number;
  gemms: number;
}

async function measureOverhead(
  addon: AddonModule,
  gpuLoop: string,
  cfg: LoopConfig,
  intervalMs: number,
  rounds: number,
  roundS: number,
) {
  const loop = new LineChild(gpuLoop, [String(cfg.n), String(cfg.gemms)]);
  try {
    const ready = await loop.next("ready");
    const backend = ready[2] ?? "unknown";
    loop.send("run 200");
    const cal = await loop.next("done");
    const perIterS = Number(cal[2]) / 200;
    const iters = Math.max(50, Math.round(roundS / perIterS));
    const sampler: AddonSampler = new addon.Sampler({ intervalMs, capacity: 1 << 20 });
    sampler.setPids([loop.pid]);
    const on: number[] = [];
    const off: number[] = [];
    const samplerRuns: SamplerStats[] = [];
    // ABBA order (off on on off …) so a slow drift of clocks or temperature cancels out.
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 === 0 ? ["off", "on"] : ["on", "off"]) {
        if (mode === "on") sampler.start();
        loop.send(`run ${iters}`);
        const f = await loop.next("done");
        if (mode === "on") {
          sampler.stop();
          samplerRuns.push(sampler.stats());
          sampler.drain();
        }
        (mode === "on" ? on : off).push(iters / Number(f[2]));
      }
    }
    const pairRatios = on.map((x, i) => x / off[i]!);
    const m = mean(pairRatios);
    const half = (2 * sd(pairRatios)) / Math.sqrt(pairRatios.length);
    return {
      loop: { ...cfg, backend, itersPerRound: iters, msPerIteration: perIterS * 1e3 },
      itersPerSecondOn: on,
      itersPerSecondOff: off,
      ratioOnOff: mean(on) / mean(off),
      pairRatioMean: m,
      pairRatioCi95: [m - half, m + half] as [number, number],
      samplerWhileOn: {
        achievedHz: mean(samplerRuns.map((s) => s.achievedHz)),
        meanPeriodUs: mean(samplerRuns.map((s) => s.meanPeriodUs)),
        maxPeriodUs: Math.max(...samplerRuns.map((s) => s.maxPeriodUs)),
        overruns: samplerRuns.reduce((a, s) => a + s.overruns, 0),
        missedDeadlines: samplerRuns.reduce((a, s) => a + s.missedDeadlines, 0),
        meanSampleCostUs: mean(samplerRuns.map((s) => s.meanSampleCostUs)),
      },
    };
  } finally {
    await loop.close();
  }
}

async function main(): Promise<void> {
  if (opts.child === "plant") return plantChild();
  const addon = requireAddon();
  const intervalMs = positive("interval-ms", opts["interval-ms"]);
  const rounds = positive("rounds", opts.rounds);
  const roundS = positive("round-s", opts["round-s"]);
  const probe = addon.probe();
  const results: Record<string, unknown> = { createdAt: new Date().toISOString(), intervalMs, probe };
  const gpu = probe.nvml.found && probe.gpus.length > 0;
  if (!gpu) console.error(`note: no NVML GPU (${probe.nvml.error ?? "no GPU"}); measuring the rate on host RSS only`);

  results.rateSelf = await measureRate(addon, intervalMs, process.pid, 3);
  if (gpu) results.plant = await measurePlant(addon, intervalMs);
  const overhead: unknown[] = [];
  if (gpu && opts["gpu-loop"]) {
    for (const cfg of [
      { n: 4096, gemms: 4 },
      { n: 512, gemms: 8 },
    ]) {
      overhead.push(await measureOverhead(addon, opts["gpu-loop"], cfg, intervalMs, rounds, roundS));
    }
  }
  results.overhead = overhead;
  if (opts.out) writeFileAtomic(opts.out, `${JSON.stringify(results, null, 2)}\n`);

  const r = results.rateSelf as SamplerStats;
  const lines = [
    `GPU: ${probe.gpus.map((g) => g.name).join(", ") || "none"}  driver ${probe.driverVersion ?? "-"}`,
    `rate @${intervalMs} ms (3 s, this process): ${r.achievedHz.toFixed(1)} Hz, mean period ${r.meanPeriodUs.toFixed(1)} µs, max ${r.maxPeriodUs.toFixed(0)} µs, overruns ${r.overruns}, missed ${r.missedDeadlines}, sample cost ${r.meanSampleCostUs.toFixed(1)} µs`,
  ];
  const p = results.plant as ReturnType<typeof analysePlant> | undefined;
  if (p) {
    lines.push(
      `planted ${p.plantedBytes / MiB} MiB ×${p.events.length}: seen ${p.seen}, freed seen ${p.freedSeen}; appear latency p50 ${p.appearLatencyMs?.p50.toFixed(3)} ms max ${p.appearLatencyMs?.max.toFixed(3)} ms; disappear p50 ${p.disappearLatencyMs?.p50.toFixed(3)} ms max ${p.disappearLatencyMs?.max.toFixed(3)} ms; within two intervals: ${p.withinTwoIntervals}; delta ${(p.events[0]?.deltaBytes ?? Number.NaN) / MiB} MiB`,
    );
  }
  for (const o of overhead as Array<Awaited<ReturnType<typeof measureOverhead>>>) {
    lines.push(
      `loop n=${o.loop.n} ×${o.loop.gemms} (${o.loop.backend}, ${o.loop.msPerIteration.toFixed(3)} ms/it): on/off ${o.ratioOnOff.toFixed(4)} (pairs ${o.pairRatioMean.toFixed(4)} [${o.pairRatioCi95[0].toFixed(4)}, ${o.pairRatioCi95[1].toFixed(4)}]); sampler while on ${o.samplerWhileOn.achievedHz.toFixed(1)} Hz, max period ${o.samplerWhileOn.maxPeriodUs.toFixed(0)} µs, cost ${o.samplerWhileOn.meanSampleCostUs.toFixed(1)} µs`,
    );
  }
  console.log(lines.join("\n"));
}

main().catch((e) => {
  console.error(`vramgate bench:sampler: ${(e as Error).stack ?? e}`);
  process.exit(3);
});
