/**
 * The shape fed at call k of a run. Pure and O(1) in k: the parent and each strategy's
 * child compute the same shapes independently, and every strategy of a run sees the
 * same sequence (so strategies are compared on equal work).
 */
import { uniformAt } from "../uniform-at.js";
import { DEFAULT_SAWTOOTH_PERIOD } from "./profile.js";
import type { InputProfile, ScenarioRun, SequenceSpec, Shape, ShapeMap } from "./types.js";

/**
 * The bucketing that applies to a dim with range lo..hi: none when its whole range fits
 * under the first step (hi ≤ multipleOf, or hi ≤ the first bucket). Padding such a dim
 * would only ever feed its max (a batch of 1..16 under multipleOf: 64 would always be 16),
 * which is not what bucketing a sequence length means.
 */
export function dimBucketing(
  lo: number,
  hi: number,
  seq: Pick<SequenceSpec, "multipleOf" | "buckets">,
): Pick<SequenceSpec, "multipleOf" | "buckets"> {
  if (lo === hi) return {};
  if (seq.multipleOf !== undefined) return hi > seq.multipleOf ? { multipleOf: seq.multipleOf } : {};
  if (seq.buckets !== undefined && seq.buckets.length > 0) return hi > seq.buckets[0]! ? { buckets: seq.buckets } : {};
  return {};
}

/**
 * Bucketing of one dynamic dim `d` within the profile's lo..hi: up to the next multiple of
 * `multipleOf`, or to the smallest bucket ≥ d; never past hi (past every bucket: hi).
 * Static dims (lo = hi), dims whose range fits under the first step (dimBucketing) and
 * sequences without bucketing are returned unchanged.
 */
export function roundDim(
  d: number,
  lo: number,
  hi: number,
  bucketing: Pick<SequenceSpec, "multipleOf" | "buckets">,
): number {
  const seq = dimBucketing(lo, hi, bucketing);
  if (seq.multipleOf !== undefined) return Math.min(hi, Math.ceil(d / seq.multipleOf) * seq.multipleOf);
  if (seq.buckets !== undefined) {
    // Buckets are few; a linear scan of the ascending list finds the smallest one ≥ d.
    for (const b of seq.buckets) if (b >= d) return Math.min(hi, b);
    return hi;
  }
  return d;
}

/** Applies the sequence's bucketing to every dim of a drawn shape map (the map itself when it has none). */
function bucketed(run: ScenarioRun, shape: ShapeMap): ShapeMap {
  const seq = run.sequence;
  if (seq.multipleOf === undefined && seq.buckets === undefined) return shape;
  const out: ShapeMap = {};
  for (const [name, dims] of Object.entries(shape)) {
    const p = run.scenario.profile[name];
    out[name] = p ? dims.map((d, i) => roundDim(d, p.min[i]!, p.max[i]!, seq)) : dims;
  }
  return out;
}

/** The dims of `p` at fraction `t` ∈ [0, 1] of the way from min to max (rounded). */
function between(p: InputProfile, t: number): Shape {
  return p.min.map((lo, i) => lo + Math.round(t * (p.max[i]! - lo)));
}

function mapProfile(run: ScenarioRun, f: (p: InputProfile, name: string) => Shape): ShapeMap {
  const out: ShapeMap = {};
  for (const [name, p] of Object.entries(run.scenario.profile)) out[name] = f(p, name);
  return out;
}

/**
 * Shape map for absolute call index `k` (warm-up calls first, counted from 0) of a run
 * with `total` calls (warmup + iterations). Every dim stays within the profile's min..max.
 * With `multipleOf` or `buckets`, each dynamic dim is then padded up (roundDim): the
 * model runs on the padded shape, which is what padding a real input to its bucket costs.
 */
export function shapeAt(run: ScenarioRun, k: number, total: number): ShapeMap {
  return bucketed(run, drawnShapeAt(run, k, total));
}

/** The shape before bucketing. */
function drawnShapeAt(run: ScenarioRun, k: number, total: number): ShapeMap {
  const seq = run.sequence;
  switch (seq.kind) {
    case "fixed":
      return seq.shapes?.[0] ?? mapProfile(run, (p) => p.opt);
    case "cycle": {
      const shapes = seq.shapes ?? [
        mapProfile(run, (p) => p.min),
        mapProfile(run, (p) => p.opt),
        mapProfile(run, (p) => p.max),
      ];
      return shapes[k % shapes.length]!;
    }
    case "random": {
      const seed = seq.seed ?? run.scenario.run.seed;
      // Draws depend on the dim index only, so a batch dim shared by inputs stays consistent.
      // Dims with the same index in different inputs therefore share one draw u, and the
      // shapes a random run can produce are counted per index, not per dim (allowed-shapes.ts).
      return mapProfile(run, (p) =>
        p.min.map((lo, i) => {
          const hi = p.max[i]!;
          return lo === hi ? lo : lo + Math.min(hi - lo, Math.floor(uniformAt(seed, k, i) * (hi - lo + 1)));
        }),
      );
    }
    case "ascending": {
      const t = total <= 1 ? 1 : Math.min(1, Math.max(0, k / (total - 1)));
      return mapProfile(run, (p) => between(p, t));
    }
    case "sawtooth": {
      const period = Math.max(1, seq.period ?? DEFAULT_SAWTOOTH_PERIOD);
      const t = period === 1 ? 0 : (k % period) / (period - 1);
      return mapProfile(run, (p) => between(p, t));
    }
  }
}

/** "input:1x3x224x224;mask:1x77" — the key shapes are grouped by in results and pools. */
export function shapeKey(s: ShapeMap): string {
  return Object.entries(s)
    .map(([name, dims]) => `${name}:${dims.join("x")}`)
    .join(";");
}
