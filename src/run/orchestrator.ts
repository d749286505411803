/**
 * Runs scenarios: for each (scenario × sequence × precision), one child process per
 * strategy, warm-up, then measured calls in interleaved rounds (A B C, B C A, …) so that
 * machine drift hits every strategy alike. The results file is rewritten atomically after
 * every round: a crash, Ctrl-C or kill of the parent leaves the data gathered so far.
 */
import { resolve, join } from "node:path";
import type { ScenarioRun, Scenario } from "../scenarios/types.js";
import type {
  Confirmation,
  Environment,
  ResultsFile,
  ScenarioRunResult,
  ShardRecord,
  StrategyResult,
} from "../results/types.js";
import { confirmBudget, replayCalls } from "../scenarios/replay.js";
import { allowedShapes } from "../scenarios/allowed-shapes.js";
import { RESULTS_SCHEMA } from "../results/types.js";
import { applyOverrides, expandScenario, type RunOverrides } from "../scenarios/expand.js";
import { ensureModel, fileSha256 } from "../models/cache.js";
import { StrategyProcess, StrategyFault } from "./strategy-process.js";
import { collectEnvironment, readRunGpu } from "./environment.js";
import { runQueue, type VisibleGpu } from "./gpu-pool.js";
import { writeFileAtomic, toJson } from "../io/atomic-write.js";
import { makeRunId } from "../results/run-id.js";
import { snapshotFileName, traceAllocations, traceCalls } from "./allocation-trace.js";
import type { AllocationTraceOutcome } from "../engines/allocation-sites.js";

export interface BenchProgress {
  /** Called when a run starts, with the total measured calls it will make (and its GPU under --gpus). */
  runStart?(key: string, strategies: string[], totalCalls: number, gpu?: number): void;
  /** Measured calls done so far in run `key` (all strategies together); runs overlap under --gpus. */
  progress?(done: number, key: string): void;
  /** Run `key` is over (under --gpus, where runs overlap). */
  runEnd?(key: string): void;
  /** A line worth telling the user (strategy failed, round done). */
  note?(line: string): void;
}

export interface BenchOptions {
  scenarios: Scenario[];
  /** Where results/<runId>.json goes. */
  outDir: string;
  overrides?: RunOverrides;
  /** Write per-iteration CSV traces next to the results (default true). */
  traces?: boolean;
  argv?: string[];
  progress?: BenchProgress;
  /** Aborts the run (Ctrl-C): children are stopped, results written with state `aborted`. */
  signal?: AbortSignal;
  /** Directory for generated models (default ./models). */
  modelDir?: string;
  /**
   * The primary verdict of one strategy as the analysis would give it now (injected by the
   * caller: analysis sits above this layer). Without it, verdicts are not confirmed.
   */
  judge?: (environment: Environment, run: ScenarioRunResult, strategy: StrategyResult) => string | undefined;
  /**
   * Allocation stacks for every strategy of a process-engine run, not only those judged
   * `leak` (bench --trace-allocations); see run/allocation-trace.ts.
   */
  traceAllocations?: boolean;
  /** Run only these runs (by key), recording the shard in the results (see scenarios/shard.ts). */
  shard?: { record: ShardRecord; runs: ReadonlySet<string> };
  /**
   * `--gpus`: independent runs in parallel, one per GPU (a queue when runs outnumber GPUs);
   * a run's strategies stay on its GPU. Without it, runs go one after another on memory.device.
   */
  gpus?: readonly VisibleGpu[];
}

async function materialiseModel(
  run: ScenarioRun,
  modelDir: string,
): Promise<{ path: string; sha256: string; generated?: string }> {
  const s = run.scenario;
  if (s.model.kind === "generate") {
    // ONNX Runtime runs a model in the precision it is stored in, and TensorRT 11 builds
    // strongly typed networks only: fp16 runs get fp16 weights (TensorRT 10 takes either).
    const dtype = run.precision === "fp16" ? "float16" : "float32";
    const m = await ensureModel({ arch: s.model.arch, seed: s.model.seed, dtype }, modelDir);
    return {
      path: m.path,
      sha256: m.sha256,
      generated: `${s.model.arch} seed ${s.model.seed}${dtype === "float16" ? " fp16" : ""}`,
    };
  }
  // A process worker may load its own model: nothing for vramgate to hash.
  if (s.model.kind === "none") return { path: "", sha256: "" };
  return { path: s.model.resolvedPath, sha256: await fileSha256(s.model.resolvedPath) };
}

export async function runBench(opts: BenchOptions): Promise<{ results: ResultsFile; path: string }> {
  const runId = makeRunId(opts.scenarios);
  const outDir = resolve(opts.outDir);
  const path = join(outDir, `${runId}.json`);
  const results: ResultsFile = {
    schema: RESULTS_SCHEMA,
    runId,
    createdAt: new Date().toISOString(),
    // Until the run completes, the file on disk says aborted: a killed parent leaves it so.
    state: "aborted",
    argv: opts.argv ?? process.argv.slice(2),
    environment: collectEnvironment(),
    runs: [],
    ...(opts.shard ? { shard: opts.shard.record } : {}),
  };
  const save = () => writeFileAtomic(path, toJson(results));
  save();

  const live = new Set<StrategyProcess>();
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    for (const c of live) c.abort("interrupted (Ctrl-C / SIGTERM): stopped before the run finished");
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const runs = opts.scenarios
    .map((s) => applyOverrides(s, opts.overrides))
    .flatMap((s) => expandScenario(s))
    .filter((r) => !opts.shard || opts.shard.runs.has(r.key));
  // Runs that overlap (--gpus) finish in any order: the file keeps the plan's order.
  const position = new Map(runs.map((r, k) => [r.key, k]));
  // Runs that start together (--gpus) may need one generated model: they take turns
  // materialising it, so it is written once and then reused from the cache.
  let modelTurn: Promise<unknown> = Promise.resolve();
  const ctx: RunContext = {
    ...opts,
    inModelTurn: (f) => {
      const p = modelTurn.then(f, f);
      modelTurn = p.catch(() => undefined);
      return p;
    },
    outDir,
    runId,
    live,
    isAborted: () => aborted,
    place: (entry) => {
      results.runs.push(entry);
      results.runs.sort((a, b) => (position.get(a.key) ?? 0) - (position.get(b.key) ?? 0));
    },
  };
  try {
    if (!opts.gpus) {
      for (const run of runs) {
        if (aborted) break;
        await runOne(run, results, save, ctx);
      }
    } else {
      const settled = await runQueue(
        runs,
        opts.gpus,
        async (run, gpu) => {
          try {
            await runOne(run, results, save, ctx, gpu);
          } finally {
            opts.progress?.runEnd?.(run.key);
          }
        },
        () => aborted,
      );
      // One run's failure (a model that cannot be built, a disk error) leaves the others
      // measured and saved; the first failure is then reported as it would be without --gpus.
      const failed = settled.find((o) => o && !o.ok);
      if (failed && !failed.ok) {
        save();
        throw failed.error;
      }
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    for (const c of live) c.stop("aborted");
  }
  results.state = aborted ? "aborted" : "completed";
  results.finishedAt = new Date().toISOString();
  save();
  return { results, path };
}

interface RunContext extends BenchOptions {
  outDir: string;
  runId: string;
  live: Set<StrategyProcess>;
  isAborted(): boolean;
  /** Adds a run's entry to the results in plan order. */
  place(entry: ScenarioRunResult): void;
  /** Runs f after every earlier caller's f has settled (model materialisation). */
  inModelTurn<T>(f: () => Promise<T>): Promise<T>;
}

async function runOne(
  run: ScenarioRun,
  results: ResultsFile,
  save: () => void,
  ctx: RunContext,
  gpu?: VisibleGpu,
): Promise<void> {
  const s = run.scenario;
  const model = await ctx.inModelTurn(() => materialiseModel(run, ctx.modelDir ?? "models"));
  // The run's GPU as it is now (identity, clocks) and who is on it before any child starts.
  const atStart = readRunGpu(gpu?.index ?? s.memory.device);
  const entry: ScenarioRunResult = {
    key: run.key,
    scenario: s.name,
    file: s.file,
    engine: s.engine,
    model,
    precision: run.precision,
    sequence: run.sequence.label,
    baseline: s.baseline,
    gate: s.gate,
    config: s,
    allowedShapes: allowedShapes(run),
    strategies: [],
    ...(atStart ? { gpu: atStart.gpu } : {}),
  };
  ctx.place(entry);
  const total = s.run.warmup + s.run.iterations;
  ctx.progress?.runStart?.(run.key, s.strategies, s.strategies.length * s.run.iterations, gpu?.index);

  const doneBy = new Map<string, number>();
  const report = () =>
    ctx.progress?.progress?.(
      [...doneBy.values()].reduce((a, b) => a + b, 0),
      run.key,
    );
  const children = s.strategies.map((strategy) => {
    const safeKey = run.key.replace(/[^A-Za-z0-9._-]+/g, "_");
    const traceName = `${ctx.runId}-traces/${safeKey}-${strategy}.csv`;
    return new StrategyProcess({
      run,
      strategy,
      modelPath: model.path,
      tracePath: ctx.traces === false ? undefined : join(ctx.outDir, traceName),
      traceFileRelative: traceName,
      ...(gpu ? { gpu: { index: gpu.index, uuid: gpu.uuid } } : {}),
      ...(atStart?.listedPids ? { listedAtRunStart: atStart.listedPids } : {}),
      onProgress: (n) => {
        doneBy.set(strategy, n);
        report();
      },
    });
  });
  const confirmations = new Map<StrategyProcess, Confirmation>();
  const allocationSites = new Map<StrategyProcess, AllocationTraceOutcome>();
  const resultOf = (c: StrategyProcess): StrategyResult => {
    const r = c.toResult();
    const sites = allocationSites.get(c);
    if (sites) r.allocationSites = sites;
    const conf = confirmations.get(c);
    // Calls run with the allocation history on are counted in allocationSites, not here.
    const replayed = c.replayCalls - (sites?.calls ?? 0);
    if (conf) r.confirmation = { ...conf, replayCalls: replayed, checks: [...conf.checks] };
    return r;
  };
  const snapshot = () => {
    entry.strategies = children.map(resultOf);
    save();
  };
  const healthy = () => children.filter((c) => !c.hasFault);
  const guard = async (c: StrategyProcess, what: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (e) {
      if (!(e instanceof StrategyFault)) throw e;
      c.stop();
      if (!ctx.isAborted())
        ctx.progress?.note?.(`${run.key} ${c.strategy}: ${e.state} during ${what}: ${firstLine(e.message)}`);
    }
  };

  for (const c of children) {
    if (ctx.isAborted()) break;
    ctx.live.add(c);
    await guard(c, "start", () => c.start());
  }
  for (const c of children) {
    Object.assign(results.environment.engines, c.engineVersions);
    const a = c.gpuAttribution;
    if (a)
      ctx.progress?.note?.(
        `${run.key} ${c.strategy}: NVML does not list its process (another PID namespace, as in a container): its GPU figures are device-level${a.idle ? "" : " and unreliable (other processes are on the GPU)"}`,
      );
  }
  for (const c of healthy()) {
    if (ctx.isAborted()) break;
    await guard(c, "warm-up", () => c.calls("warmup", -1, 0, s.run.warmup, total));
  }
  snapshot();

  const deadline = Date.now() + s.run.maxDurationS * 1000;
  let first = s.run.warmup;
  for (let r = 0; r < s.run.rounds && !ctx.isAborted(); r++) {
    if (Date.now() > deadline) {
      ctx.progress?.note?.(
        `${run.key}: stopped after ${r} of ${s.run.rounds} rounds (run.maxDurationS = ${s.run.maxDurationS} s)`,
      );
      break;
    }
    const count = Math.floor(s.run.iterations / s.run.rounds) + (r < s.run.iterations % s.run.rounds ? 1 : 0);
    const order = rotate(children, r);
    for (const c of order) {
      if (ctx.isAborted() || c.hasFault) continue;
      await guard(c, `round ${r + 1}`, () => c.calls("round", r, first, count, total));
    }
    first += count;
    snapshot();
  }
  const next = new Map(children.map((c) => [c, first]));
  if (Date.now() <= deadline) {
    const judge = ctx.judge && ((c: StrategyProcess) => ctx.judge!(results.environment, entry, resultOf(c)));
    await confirm(run, children, first, total, next, confirmations, guard, snapshot, ctx, judge);
    if (s.engine === "process") {
      for (const c of children) {
        if (ctx.isAborted() || c.hasFault) continue;
        const verdict = confirmations.get(c)?.verdictAfter ?? judge?.(c);
        if (!ctx.traceAllocations && verdict !== "leak") continue;
        const calls = traceCalls(s.run.iterations, confirmBudget(run)?.calls);
        ctx.progress?.note?.(`${run.key} ${c.strategy}: recording allocation stacks over ${calls} replay calls`);
        const replay = async (count: number) => {
          const from = next.get(c)!;
          next.set(c, from + count);
          await guard(c, "allocation trace", () => c.calls("replay", -1, from, count, total, first));
        };
        const file = snapshotFileName(ctx.runId, run.key, c.strategy);
        await guard(c, "allocation trace", async () => {
          const outcome = await traceAllocations(c, replay, calls, ctx.outDir, file);
          if (outcome) allocationSites.set(c, outcome);
        });
        snapshot();
      }
    }
  } else if (replayCalls(run) > 0)
    ctx.progress?.note?.(`${run.key}: no replay of seen shapes (run.maxDurationS = ${s.run.maxDurationS} s reached)`);

  for (const c of healthy()) {
    if (ctx.isAborted()) break;
    await guard(c, "release", () => c.finish());
  }
  for (const c of children) {
    await guard(c, "exit", () => c.exit());
    ctx.live.delete(c);
  }
  snapshot();
}

/**
 * The designed experiment after the rounds: every healthy strategy replays shapes already
 * seen (interleaved, same shapes for all); then each strategy whose verdict is `leak`,
 * `shape-growth` or `inconclusive` is extended with more replay calls until two checks in a
 * row agree or its budget runs out (confirm before accusing; decide what is undecided).
 */
async function confirm(
  run: ScenarioRun,
  children: StrategyProcess[],
  seenCalls: number,
  total: number,
  next: Map<StrategyProcess, number>,
  confirmations: Map<StrategyProcess, Confirmation>,
  guard: (c: StrategyProcess, what: string, step: () => Promise<void>) => Promise<void>,
  snapshot: () => void,
  ctx: RunContext,
  judge: ((c: StrategyProcess) => string | undefined) | undefined,
): Promise<void> {
  const replay = replayCalls(run);
  const budget = confirmBudget(run);
  if (replay === 0 && (!budget || !judge)) return;
  const runReplay = async (c: StrategyProcess, count: number, what: string) => {
    const first = next.get(c)!;
    next.set(c, first + count);
    await guard(c, what, () => c.calls("replay", -1, first, count, total, seenCalls));
  };
  for (const c of children)
    if (!c.hasFault)
      confirmations.set(c, { replayCalls: 0, fromIteration: seenCalls - run.scenario.run.warmup, checks: [] });
  if (replay > 0) {
    ctx.progress?.note?.(`${run.key}: replaying ${replay} calls at shapes already seen, per strategy`);
    // Two halves in rotated order, so drift during replay hits strategies alike.
    const halves = [Math.ceil(replay / 2), Math.floor(replay / 2)];
    for (let h = 0; h < halves.length; h++) {
      for (const c of rotate(children, h)) {
        if (ctx.isAborted() || c.hasFault) continue;
        await runReplay(c, halves[h]!, "replay");
      }
    }
    snapshot();
  }
  if (!budget || !judge) return;
  for (const c of children) {
    const conf = confirmations.get(c);
    if (ctx.isAborted() || c.hasFault || !conf) continue;
    const verdict = judge(c);
    conf.verdictBefore = verdict;
    conf.verdictAfter = verdict;
    // Extend what accuses (leak) or bounds (shape-growth), and what is undecided: replay
    // of seen shapes is the experiment that separates a leak from growth per new shape.
    if (verdict !== "leak" && verdict !== "shape-growth" && verdict !== "inconclusive") continue;
    ctx.progress?.note?.(
      `${run.key} ${c.strategy}: ${verdict} — confirming with up to ${budget.calls} more replay calls`,
    );
    const started = Date.now();
    let used = 0;
    let previous = verdict;
    let stable = false;
    while (
      !ctx.isAborted() &&
      !c.hasFault &&
      used + budget.chunk <= budget.calls &&
      Date.now() - started < budget.seconds * 1000
    ) {
      await runReplay(c, budget.chunk, "confirmation");
      used += budget.chunk;
      if (c.hasFault) break;
      const now = judge(c) ?? "none";
      conf.checks.push(now);
      conf.verdictAfter = now;
      if (now === previous) {
        stable = true;
        break;
      }
      previous = now;
    }
    if (conf.checks.length > 0) {
      conf.confirmed = stable && conf.verdictAfter === conf.verdictBefore;
      if (!stable) conf.budgetExhausted = true;
    }
    snapshot();
  }
}

function rotate<T>(xs: T[], k: number): T[] {
  const n = xs.length;
  return xs.map((_, i) => xs[(i + k) % n]!);
}

function firstLine(s: string): string {
  return s.split("\n")[0]!;
}
