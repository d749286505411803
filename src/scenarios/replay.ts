/**
 * The confirmation experiment's shapes: after the measured rounds, calls that replay only
 * shapes already fed. Replay call j draws one of the calls [0, seenCalls) uniformly (seeded,
 * counter-based like the sequences) and feeds that call's shape again, so shapes recur with
 * the frequency they had and every strategy of a run replays the same shapes.
 */
import { uniformAt } from "../uniform-at.js";
import { shapeAt } from "./sequence.js";
import type { ScenarioRun, ShapeMap } from "./types.js";

/** Seed offset so replay draws are independent of the sequence's own draws. */
const REPLAY_SALT = 0x5bd1e995;

/** Absolute call index whose shape replay call `k` (an absolute index ≥ seenCalls) feeds again. */
export function replaySource(run: ScenarioRun, k: number, seenCalls: number): number {
  if (seenCalls <= 0) throw new RangeError("replay needs at least one call already made");
  const seed = (run.scenario.run.seed + REPLAY_SALT) % 0x1_0000_0000;
  return Math.min(seenCalls - 1, Math.floor(uniformAt(seed, k, 0) * seenCalls));
}

export function replayShapeAt(run: ScenarioRun, k: number, seenCalls: number, total: number): ShapeMap {
  return shapeAt(run, replaySource(run, k, seenCalls), total);
}

/** Replay calls a run makes after its rounds: the scenario's number, or for "auto" half the iterations (≥ 20) when the sequence feeds changing shapes. */
export function replayCalls(run: ScenarioRun): number {
  const r = run.scenario.run.replay;
  if (typeof r === "number") return r;
  const dynamic =
    run.sequence.kind === "random" || run.sequence.kind === "ascending" || run.sequence.kind === "sawtooth";
  return dynamic ? Math.max(20, Math.round(run.scenario.run.iterations / 2)) : 0;
}

/** Confirmation budget per strategy (calls, seconds), or undefined when confirmation is off. */
export function confirmBudget(run: ScenarioRun): { calls: number; seconds: number; chunk: number } | undefined {
  const c = run.scenario.run.confirm;
  if (c === false) return undefined;
  const iterations = run.scenario.run.iterations;
  const calls = c.calls ?? Math.max(100, 2 * iterations);
  if (calls <= 0) return undefined;
  // Each extension at least doubles the evidence a short run had (a few dozen calls more
  // agree with a noisy verdict too easily).
  const chunk = Math.min(calls, Math.max(50, iterations));
  return { calls, seconds: c.seconds ?? 120, chunk };
}
