// The GPU part of vramgate's overhead benchmark: the libtorch engine's persistent loop (the
// addon's NativeEngine, as a run drives it, with the memory sampler watching at 1 ms)
// against the bare C++ loop (bare_torch_loop --serve: one warm process, not one per round),
// interleaved round by round (order rotating), on a launch-bound configuration (batch 1,
// fp16) and a GPU-bound one (batch 64, fp16). A third contender, the same engine with the
// sampler stopped, tells the sampler's share of the cost from the loop's own.
//   node native/bench/torch_overhead.mjs MODEL.pt --bare build-bench/bare_torch_loop
//        [--rounds 12] [--round-s 1] [--out FILE]
// Throughput is calls per wall-clock second of each round's run of calls; the ratio is
// vramgate ÷ bare per round, summarised by its median with a percentile-bootstrap 95 % CI.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const model = args[0];
const barePath = opt("--bare", "build-bench/bare_torch_loop");
const ROUNDS = Number(opt("--rounds", "12"));
const ROUND_S = Number(opt("--round-s", "1"));
const out = opt("--out", undefined);
const addon = createRequire(import.meta.url)("../../build/Release/vramgate.node");
const { bootstrapMedianCi } = await import("../../dist/analysis/stats/bootstrap.js");

const now = () => Number(process.hrtime.bigint());
const tasks = () => new Set(readdirSync("/proc/self/task").map(Number));
const cpuNs = (tid) => Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]);

const sampler = new addon.Sampler({ intervalMs: 1, device: 0, capacity: 1 << 16 });
sampler.setPids([process.pid]);

function startBare(batch, precision) {
  const child = spawn(barePath, [model, "--precision", precision, "--batch", String(batch), "--warmup", "50", "--serve"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const waiting = [];
  createInterface({ input: child.stdout }).on("line", (l) => waiting.shift()?.(l));
  const next = () => new Promise((r) => waiting.push(r));
  return {
    ready: next(),
    async run(n) {
      const p = next();
      child.stdin.write(`${n}\n`);
      return JSON.parse(await p);
    },
    close: () => child.stdin.end(),
  };
}

async function config(name, batch, precision) {
  const engine = new addon.NativeEngine("libtorch", {
    modelPath: model,
    precision,
    device: 0,
    profile: [{ name: "input", min: [1, 3, 224, 224], opt: [batch, 3, 224, 224], max: [batch, 3, 224, 224], dtype: "float32" }],
    faults: {},
    options: {},
  });
  await engine.load();
  engine.begin("persistent", { perShapePoolSize: 4 });
  const shape = { input: [batch, 3, 224, 224] };
  let next = 0;
  const runVramgate = async (n) => {
    const shapes = Array.from({ length: n }, () => shape);
    const t0 = now();
    await engine.runCalls(shapes, next, (b) => JSON.stringify(b.index.length)); // marks reach JS as in a run
    next += n;
    return now() - t0;
  };
  await runVramgate(50); // warm-up
  const bare = startBare(batch, precision);
  await bare.ready;
  const t = await runVramgate(20);
  const calls = Math.max(20, Math.round((ROUND_S * 1e9) / (t / 20)));
  const bareCps = [];
  const vramCps = [];
  const unsampledCps = [];
  let samplerCpu = 0;
  let samplerWall = 0;
  let samples = 0;
  const who3 = ["bare", "vramgate", "unsampled"];
  for (let r = 0; r < ROUNDS + 1; r++) {
    // Rotate the three (bare, vramgate, vramgate without the sampler), reversed every other pass.
    const order = who3.map((_, i) => who3[(i + r) % 3]);
    if (Math.floor(r / 3) % 2 === 1) order.reverse();
    for (const who of order) {
      if (who === "bare") {
        const res = await bare.run(calls);
        if (r > 0) bareCps.push(res.callsPerSec);
      } else if (who === "unsampled") {
        const ns = await runVramgate(calls);
        if (r > 0) unsampledCps.push(calls / (ns / 1e9));
      } else {
        const before = tasks();
        sampler.start();
        const tid = [...tasks()].find((x) => !before.has(x));
        const c0 = tid ? cpuNs(tid) : Number.NaN;
        const ns = await runVramgate(calls);
        const c1 = tid ? cpuNs(tid) : Number.NaN;
        sampler.stop();
        const drained = sampler.drain().tNs.length;
        if (r > 0) {
          vramCps.push(calls / (ns / 1e9));
          samplerCpu += c1 - c0;
          samplerWall += ns;
          samples += drained;
        }
      }
    }
  }
  bare.close();
  await engine.finish();
  const perRound = vramCps.map((v, i) => v / bareCps[i]);
  const ci = bootstrapMedianCi(perRound, { seed: 0x0e7 });
  const perRoundUnsampled = unsampledCps.map((v, i) => v / bareCps[i]);
  const ciUnsampled = bootstrapMedianCi(perRoundUnsampled, { seed: 0x0e8 });
  const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  return {
    name,
    batch,
    precision,
    callsPerRound: calls,
    rounds: ROUNDS,
    bareCallsPerSec: bareCps,
    vramgateCallsPerSec: vramCps,
    unsampledCallsPerSec: unsampledCps,
    bareMedianMsPerCall: 1000 / med(bareCps),
    ratio: { median: ci.estimate, ci: ci.ci, perRound },
    ratioWithoutSampler: { median: ciUnsampled.estimate, ci: ciUnsampled.ci, perRound: perRoundUnsampled },
    samplerCpuSharePct: (100 * samplerCpu) / samplerWall,
    samplerHz: samples / (samplerWall / 1e9),
  };
}

const results = [];
results.push(await config("launch-bound: batch 1, fp16", 1, "fp16"));
results.push(await config("GPU-bound: batch 64, fp16", 64, "fp16"));
console.log("\nlibtorch persistent vs bare C++ loop (warm), interleaved; ratio = vramgate ÷ bare calls/s");
for (const r of results) {
  console.log(
    `  ${r.name.padEnd(30)} bare ${r.bareMedianMsPerCall.toFixed(3)} ms/call  ratio ${r.ratio.median.toFixed(4)} [${r.ratio.ci[0].toFixed(4)}, ${r.ratio.ci[1].toFixed(4)}]  ${r.ratio.median >= 0.99 ? "≥0.99" : "< 0.99"}  without the sampler ${r.ratioWithoutSampler.median.toFixed(4)} [${r.ratioWithoutSampler.ci[0].toFixed(4)}, ${r.ratioWithoutSampler.ci[1].toFixed(4)}]  sampler ${r.samplerCpuSharePct.toFixed(2)} % of a core (${Math.round(r.samplerHz)}/s)`,
  );
}
if (out) writeFileSync(out, `${JSON.stringify({ model, date: new Date().toISOString(), results }, null, 2)}\n`);
process.exit(0);
