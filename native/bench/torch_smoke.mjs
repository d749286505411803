#!/usr/bin/env node
// GPU smoke check of the libtorch engine through the real addon (build/Release/vramgate.node):
// every strategy on a random batch sequence, the planted faults, CUDA graphs per shape,
// error mapping, and vramgate's overhead against the bare libtorch loop.
//
//   node native/bench/torch_smoke.mjs MODEL.pt --bare build-bench/bare_torch_loop [--out smoke.json]
//        [--calls 400] [--overhead-rounds 5] [--overhead-calls 300]
//
// Each check runs in its own child process (as vramgate runs each strategy), so one
// strategy's cached blocks never colour another's figures. Prints one JSON line per check
// and a table at the end. Plain JS on purpose: it runs where only Node and the addon exist.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const addonPath = path.resolve(here, "../../build/Release/vramgate.node");
const MiB = 1024 * 1024;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function batches(spec, n, seed) {
  const rand = mulberry32(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    if (spec.sequence === "fixed") out.push(spec.batch);
    else if (spec.sequence === "cycle") out.push(spec.cycle[i % spec.cycle.length]);
    else out.push(1 + Math.floor(rand() * spec.maxBatch));
  }
  return out;
}

const shapeOf = (b) => ({ input: [b, 3, 224, 224] });

// Least-squares slope of ys over xs.
function slope(xs, ys) {
  const n = xs.length;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]; sy += ys[i]; sxx += xs[i] * xs[i]; sxy += xs[i] * ys[i];
  }
  const d = n * sxx - sx * sx;
  return d === 0 ? 0 : (n * sxy - sx * sy) / d;
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function newEngine(spec) {
  const { NativeEngine } = createRequire(import.meta.url)(addonPath);
  return new NativeEngine("libtorch", {
    modelPath: spec.model,
    precision: spec.precision ?? "fp16",
    device: 0,
    profile: [{ name: "input", min: [1, 3, 224, 224], opt: [16, 3, 224, 224], max: [32, 3, 224, 224], dtype: "float32" }],
    faults: spec.faults ?? {},
    options: spec.options ?? {},
  });
}

// Runs calls and returns {seconds, items, marks: {index, alloc, reserved, gpuMs, contextsLive}}.
async function measure(engine, list, firstIndex) {
  const marks = { index: [], alloc: [], reserved: [], gpuMs: [], contextsLive: [] };
  const t0 = process.hrtime.bigint();
  await engine.runCalls(list.map(shapeOf), firstIndex, (b) => {
    for (let i = 0; i < b.index.length; i++) {
      marks.index.push(b.index[i]);
      marks.alloc.push(b.stats.torchAllocatedBytes[i]);
      marks.reserved.push(b.stats.torchReservedBytes[i]);
      marks.gpuMs.push(b.gpuMs[i]);
      marks.contextsLive.push(b.stats.contextsLive[i]);
    }
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, items: list.reduce((a, b) => a + b, 0), marks };
}

async function strategyCheck(spec) {
  const engine = newEngine(spec);
  await engine.load();
  const loaded = engine.memoryStats();
  engine.begin(spec.strategy, { perShapePoolSize: spec.pool ?? 4 });
  const warm = batches(spec, spec.warmup ?? 20, 7);
  await engine.runCalls(warm.map(shapeOf), 0, () => {});
  const { seconds, items, marks } = await measure(engine, batches(spec, spec.calls, 11), warm.length);
  await engine.finish();
  const finished = engine.memoryStats();
  const half = marks.index.length >> 1;
  return {
    check: spec.name,
    strategy: spec.strategy,
    sequence: spec.sequence,
    calls: spec.calls,
    itemsPerSec: items / seconds,
    callsPerSec: spec.calls / seconds,
    medianGpuMs: median(marks.gpuMs),
    versions: engine.versions(),
    allocatedAfterLoadMiB: loaded.torchAllocatedBytes / MiB,
    reservedAfterLoadMiB: loaded.torchReservedBytes / MiB,
    reservedFirstMiB: marks.reserved[0] / MiB,
    reservedMinMiB: Math.min(...marks.reserved) / MiB,
    reservedMaxMiB: Math.max(...marks.reserved) / MiB,
    reservedLastMiB: marks.reserved.at(-1) / MiB,
    allocatedFirstMiB: marks.alloc[0] / MiB,
    allocatedLastMiB: marks.alloc.at(-1) / MiB,
    allocatedSlopeBytesPerCall: slope(marks.index.slice(half), marks.alloc.slice(half)),
    reservedSlopeBytesPerCall: slope(marks.index.slice(half), marks.reserved.slice(half)),
    maxContextsLive: Math.max(...marks.contextsLive),
    allocatedAfterFinishMiB: finished.torchAllocatedBytes / MiB,
    reservedAfterFinishMiB: finished.torchReservedBytes / MiB,
    plantedLeakMiB: finished.plantedLeakBytes / MiB,
    retainedOutputs: finished.retainedOutputs,
  };
}

// Bare loop and vramgate persistent, alternated round by round on the same fixed shape.
async function overheadCheck(spec) {
  const engine = newEngine(spec);
  await engine.load();
  engine.begin("persistent");
  const list = batches({ sequence: "fixed", batch: spec.batch }, spec.calls, 0);
  await engine.runCalls(list.slice(0, 50).map(shapeOf), 0, () => {});
  const bare = [], vram = [];
  let next = 50;
  for (let r = 0; r < spec.rounds; r++) {
    const p = spawnSync(spec.bare, [spec.model, "--precision", spec.precision ?? "fp16", "--batch", String(spec.batch),
      "--warmup", "50", "--iterations", String(spec.calls)], { encoding: "utf8" });
    if (p.status !== 0) throw new Error(`bare loop failed (${p.status}): ${p.stderr}`);
    bare.push(JSON.parse(p.stdout.trim().split("\n").at(-1)).itemsPerSec);
    const m = await measure(engine, list, next);
    next += list.length;
    vram.push(m.items / m.seconds);
  }
  await engine.finish();
  return {
    check: spec.name,
    batch: spec.batch,
    callsPerRound: spec.calls,
    rounds: spec.rounds,
    bareItemsPerSec: bare,
    vramgateItemsPerSec: vram,
    bareMedian: median(bare),
    vramgateMedian: median(vram),
    ratio: median(vram) / median(bare),
  };
}

// Error mapping: what a user sees for a bad precision, a missing file and a device OOM.
async function errorCheck(spec) {
  const seen = {};
  const attempt = async (label, fn) => {
    try {
      await fn();
      seen[label] = { ok: true };
    } catch (e) {
      seen[label] = { ok: false, kind: e.kind, index: e.index, message: String(e.message).slice(0, 400) };
    }
  };
  await attempt("int8", async () => newEngine({ ...spec, precision: "int8" }).load());
  await attempt("missingModel", async () => newEngine({ ...spec, model: "/nonexistent/model.pt" }).load());
  await attempt("oom", async () => {
    const engine = newEngine({ ...spec, faults: { leakBytesPerIteration: 512 * 1024 * MiB } });
    await engine.load();
    engine.begin("persistent");
    await engine.runCalls([shapeOf(1)], 0, () => {});
  });
  return { check: spec.name, ...seen };
}

async function child(spec) {
  const kinds = { strategy: strategyCheck, overhead: overheadCheck, errors: errorCheck };
  const result = await kinds[spec.kind](spec);
  process.stdout.write(JSON.stringify(result) + "\n");
}

function parent(argv) {
  const model = argv[0];
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  if (!model) {
    console.error("usage: node native/bench/torch_smoke.mjs MODEL.pt --bare PATH [--out FILE] [--calls N]");
    process.exit(2);
  }
  const bare = opt("--bare", "build-bench/bare_torch_loop");
  const calls = Number(opt("--calls", "400"));
  // The H100 run used 5 × 300; host noise there was ±25 %, so a conclusive ratio needs more.
  const overheadRounds = Number(opt("--overhead-rounds", "5"));
  const overheadCalls = Number(opt("--overhead-calls", "300"));
  // --only PREFIX runs the checks whose name starts with it (e.g. "overhead").
  const only = opt("--only", "");
  const base = { model, maxBatch: 32 };
  const random = { ...base, sequence: "random" };
  const fixed16 = { ...base, sequence: "fixed", batch: 16 };
  const cycle = { ...base, sequence: "cycle", cycle: [1, 8, 16, 32] };
  const checks = [
    { ...random, kind: "strategy", name: "persistent/random", strategy: "persistent", calls },
    { ...random, kind: "strategy", name: "teardown/random", strategy: "teardown", calls },
    { ...random, kind: "strategy", name: "scoped/random", strategy: "scoped", calls: calls / 2 },
    { ...random, kind: "strategy", name: "per-shape/random(pool 32)", strategy: "per-shape", pool: 32, calls },
    { ...random, kind: "strategy", name: "user-managed/random", strategy: "user-managed", calls },
    { ...cycle, kind: "strategy", name: "per-shape/cycle", strategy: "per-shape", calls },
    { ...cycle, kind: "strategy", name: "per-shape/cycle+cudaGraph", strategy: "per-shape", calls, options: { cudaGraph: "true" } },
    { ...fixed16, kind: "strategy", name: "persistent/leak4MiB", strategy: "persistent", calls: 200, faults: { leakBytesPerIteration: 4 * MiB } },
    { ...fixed16, kind: "strategy", name: "scoped/leak4MiB", strategy: "scoped", calls: 200, faults: { leakBytesPerIteration: 4 * MiB } },
    { ...fixed16, kind: "strategy", name: "persistent/retain10", strategy: "persistent", calls: 200, faults: { retainOutputsEvery: 10 } },
    { ...base, kind: "errors", name: "errors" },
    { ...base, kind: "overhead", name: "overhead/batch16", batch: 16, calls: overheadCalls, rounds: overheadRounds, bare },
    // GPU-bound: fp32 at batch 32, where kernel time, not the host's launches, sets the pace,
    // so host noise moves both loops less and the harness's own cost is what remains.
    { ...base, kind: "overhead", name: "overhead/fp32-batch32", precision: "fp32", batch: 32, calls: Math.max(50, Math.round(overheadCalls / 3)), rounds: overheadRounds, bare },
  ].filter((c) => !only || c.name.startsWith(only));
  const results = [];
  for (const spec of checks) {
    const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", JSON.stringify(spec)], {
      encoding: "utf8",
      timeout: 180_000,
    });
    const line = (p.stdout ?? "").trim().split("\n").at(-1);
    let result;
    try {
      result = { check: spec.name, ...JSON.parse(line) };
    } catch {
      result = { check: spec.name, failed: true, status: p.status, signal: p.signal, stderr: (p.stderr ?? "").slice(-2000) };
    }
    console.log(JSON.stringify(result));
    results.push(result);
  }
  const out = opt("--out", undefined);
  if (out) writeFileSync(out, JSON.stringify(results, null, 2));
  const f = (x, d = 1) => (typeof x === "number" ? x.toFixed(d) : "-");
  console.log("\ncheck                          items/s  gpuMs  resMin  resMax  resLast  allocSlope(B/call)  resAfterFinish");
  for (const r of results) {
    if (r.check.startsWith("overhead")) {
      console.log(`${r.check.padEnd(30)} bare ${f(r.bareMedian)} vramgate ${f(r.vramgateMedian)} ratio ${f(r.ratio, 4)}`);
    } else if (r.itemsPerSec !== undefined) {
      console.log(`${r.check.padEnd(30)} ${f(r.itemsPerSec).padStart(8)} ${f(r.medianGpuMs, 2).padStart(6)} ${f(r.reservedMinMiB).padStart(7)} ` +
        `${f(r.reservedMaxMiB).padStart(7)} ${f(r.reservedLastMiB).padStart(8)} ${f(r.allocatedSlopeBytesPerCall, 0).padStart(19)} ${f(r.reservedAfterFinishMiB).padStart(15)}`);
    } else {
      console.log(`${r.check.padEnd(30)} ${JSON.stringify(r).slice(0, 300)}`);
    }
  }
}

if (process.argv[2] === "--child") {
  child(JSON.parse(process.argv[3])).catch((e) => {
    process.stdout.write(JSON.stringify({ failed: true, message: String(e?.message ?? e), kind: e?.kind }) + "\n");
    process.exit(1);
  });
} else {
  parent(process.argv.slice(2));
}
