/**
 * E-Divisive: multiple change points by divisive hierarchical segmentation with the
 * energy statistic (Matteson & James 2014, "A nonparametric approach for multiple change
 * point analysis of multivariate data", JASA 109(505); the `e.divisive` of the R package
 * ecp, James & Matteson 2014, JSS 62(7)). Written from the paper's definitions.
 *
 * Definitions, for samples X (size n) and Y (size m) and a moment index α ∈ (0, 2]:
 *
 *   Ê(X, Y; α) = 2/(mn) Σᵢ Σⱼ |Xᵢ − Yⱼ|^α − C(n,2)⁻¹ Σ_{i<k} |Xᵢ − Xₖ|^α − C(m,2)⁻¹ Σ_{j<k} |Yⱼ − Yₖ|^α
 *   Q̂(X, Y; α) = mn/(m+n) · Ê(X, Y; α)
 *
 * For α ∈ (0, 2) the population version is zero iff X and Y have the same distribution, so
 * any change (mean, variance, shape) is seen; at α = 2 it is 2|E X − E Y|², a change in
 * means only ("E-Divisive with means").
 *
 * One split of a segment Z_s … Z_{e−1}: for τ and κ with s < τ < κ ≤ e, X = Z_s … Z_{τ−1},
 * Y = Z_τ … Z_{κ−1}; (τ̂, κ̂) = argmax Q̂. κ lets Y stop short of the segment's end, so a
 * change is found even when another follows it. τ̂ is the estimated change point (the first
 * index of the new segment); κ̂ is not one.
 *
 * Divisive procedure: with k change points found the series is k + 1 segments; the best
 * split of each is computed and the one with the largest Q̂ is proposed. Its significance is
 * a permutation test: the observations are permuted within each segment (which keeps the
 * k change points found and destroys any other), the largest Q̂ over segments is
 * recomputed, R times; p = (1 + #{q̂⁽ʳ⁾ ≥ q̂}) / (R + 1). The change point is kept when
 * p ≤ the significance level, and the search goes on; else it stops. With a fixed count of
 * change points (`changePoints`) no test is made.
 *
 * Every segment holds at least `minSize` observations (both X and Y of a split too).
 * Cost: O(n²) memory for the distance matrix; O(n²) time per proposal and per permutation.
 * Deterministic for a given seed (mulberry32 drives the permutations).
 */
import { mulberry32, type Rng } from "./prng.js";

export interface EDivisiveOptions {
  /** Moment index α ∈ (0, 2]; default 1 (sees any change in distribution); 2 sees changes in mean only. */
  alpha?: number;
  /** Fewest observations in a segment (and in either side of a split); ≥ 2, default 30 as in ecp. */
  minSize?: number;
  /** Significance level of each permutation test; default 0.05. */
  sigLevel?: number;
  /** Permutations per test (R); default 199. */
  permutations?: number;
  /** Seed of the permutations; default 1. */
  seed?: number;
  /** Find exactly this many change points (when that many fit), with no significance test. */
  changePoints?: number;
}

interface ChangePoint {
  /** Index of the first observation after the change (0-based). */
  index: number;
  /** Q̂ of the split that found it. */
  statistic: number;
  /** Permutation p-value (absent when a fixed count was asked for). */
  pValue?: number;
  /** 1 for the first found, 2 for the next, … */
  order: number;
}

export interface EDivisiveResult {
  /** Significant change points, by index. */
  changePoints: ChangePoint[];
  /** The proposal that was tested and not kept (the last one), when there was one. */
  rejected?: ChangePoint;
  /** Segments [start, end) the change points make, in order. */
  segments: [number, number][];
  alpha: number;
  minSize: number;
  sigLevel: number;
  permutations: number;
}

/** Longest series accepted (the distance matrix is n² doubles: 4,096² is 128 MiB). */
const MAX_E_DIVISIVE_LENGTH = 4096;

interface Split {
  tau: number;
  kappa: number;
  q: number;
}

/**
 * Pairwise |Zᵢ − Zⱼ|^α (Euclidean distance for vectors), as a dense n × n matrix.
 */
function distances(z: readonly (readonly number[])[], alpha: number): Float64Array {
  const n = z.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const zi = z[i]!;
    for (let j = i + 1; j < n; j++) {
      const zj = z[j]!;
      let s = 0;
      for (let c = 0; c < zi.length; c++) {
        const diff = zi[c]! - zj[c]!;
        s += diff * diff;
      }
      const v = alpha === 2 ? s : Math.sqrt(s) ** alpha;
      d[i * n + j] = v;
      d[j * n + i] = v;
    }
  }
  return d;
}

/**
 * Best (τ, κ) split of positions [s, e) of `order` (order[p] is the observation at position
 * p), or undefined when the segment is shorter than 2 · minSize. `col` is scratch space of at
 * least (L + 1) · L doubles.
 */
function bestSplit(
  d: Float64Array,
  n: number,
  order: Int32Array,
  s: number,
  e: number,
  minSize: number,
  col: Float64Array,
): Split | undefined {
  const L = e - s;
  if (L < 2 * minSize) return undefined;
  // col[p·L + j] = Σ_{i ∈ [0, p)} d(s+i, s+j): prefix sums down each column of the segment.
  for (let j = 0; j < L; j++) col[j] = 0;
  for (let p = 1; p <= L; p++) {
    const row = order[s + p - 1]! * n;
    const prev = (p - 1) * L;
    const cur = p * L;
    for (let j = 0; j < L; j++) col[cur + j] = col[prev + j]! + d[row + order[s + j]!]!;
  }
  let best: Split | undefined;
  let withinX = 0; // Σ_{s ≤ i < k < τ} d(i, k)
  for (let t = 1; t < L; t++) {
    // X = [0, t) after this update of withinX with the column of point t − 1.
    withinX += col[(t - 1) * L + (t - 1)]!;
    if (t < minSize) continue;
    if (L - t < minSize) break;
    const nx = t;
    let cross = 0; // Σ_{i ∈ X} Σ_{j ∈ Y} d(i, j)
    let withinY = 0; // Σ_{t ≤ i < j < κ} d(i, j)
    const xPairs = (nx * (nx - 1)) / 2;
    for (let k = t + 1; k <= L; k++) {
      const j = k - 1;
      const fromX = col[t * L + j]!;
      cross += fromX;
      withinY += col[j * L + j]! - fromX;
      const m = k - t;
      if (m < minSize) continue;
      const energy = (2 * cross) / (nx * m) - withinX / xPairs - withinY / ((m * (m - 1)) / 2);
      const q = ((nx * m) / (nx + m)) * energy;
      if (best === undefined || q > best.q) best = { tau: s + t, kappa: s + k, q };
    }
  }
  return best;
}

function shuffleRange(order: Int32Array, s: number, e: number, rng: Rng): void {
  for (let i = e - 1; i > s; i--) {
    const j = s + Math.floor(rng() * (i - s + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
}

function check(name: string, ok: boolean, expected: string, found: unknown): void {
  if (!ok) throw new RangeError(`eDivisive: ${name}: expected ${expected}, found ${String(found)}`);
}

/**
 * Change points of a series (numbers, or vectors of one length). Throws RangeError on bad
 * options or non-finite data.
 */
export function eDivisive(
  series: readonly number[] | readonly (readonly number[])[],
  opts: EDivisiveOptions = {},
): EDivisiveResult {
  const alpha = opts.alpha ?? 1;
  const minSize = opts.minSize ?? 30;
  const sigLevel = opts.sigLevel ?? 0.05;
  const permutations = opts.permutations ?? 199;
  check("alpha", alpha > 0 && alpha <= 2, "a number in (0, 2]", alpha);
  check("minSize", Number.isInteger(minSize) && minSize >= 2, "an integer ≥ 2", minSize);
  check("sigLevel", sigLevel > 0 && sigLevel < 1, "a number in (0, 1)", sigLevel);
  check("permutations", Number.isInteger(permutations) && permutations >= 1, "an integer ≥ 1", permutations);
  if (opts.changePoints !== undefined)
    check(
      "changePoints",
      Number.isInteger(opts.changePoints) && opts.changePoints >= 0,
      "an integer ≥ 0",
      opts.changePoints,
    );
  const n = series.length;
  check("series length", n <= MAX_E_DIVISIVE_LENGTH, `at most ${MAX_E_DIVISIVE_LENGTH} observations`, n);
  const z = series.map((v) => (typeof v === "number" ? [v] : v)) as readonly (readonly number[])[];
  const dim = z[0]?.length ?? 0;
  for (let i = 0; i < n; i++) {
    const v = z[i]!;
    check(`observation ${i}`, v.length === dim && v.every(Number.isFinite), `${dim} finite numbers`, v.join(", "));
  }

  const result: EDivisiveResult = { changePoints: [], segments: [[0, n]], alpha, minSize, sigLevel, permutations };
  if (n < 2 * minSize) return result;

  const d = distances(z, alpha);
  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const col = new Float64Array((n + 1) * n);
  const rng = mulberry32(opts.seed ?? 1);
  const cuts: number[] = []; // sorted change points
  // Best split per segment, keyed by its start (segments change only where a cut is added).
  const cache = new Map<number, Split | undefined>();
  const segmentsOf = (): [number, number][] => {
    const b = [0, ...cuts, n];
    return b.slice(1).map((e, i) => [b[i]!, e] as [number, number]);
  };

  for (let order = 1; ; order++) {
    if (opts.changePoints !== undefined && cuts.length >= opts.changePoints) break;
    const segs = segmentsOf();
    let proposal: Split | undefined;
    for (const [s, e] of segs) {
      if (!cache.has(s)) cache.set(s, bestSplit(d, n, identity, s, e, minSize, col));
      const b = cache.get(s);
      if (b && (proposal === undefined || b.q > proposal.q)) proposal = b;
    }
    if (!proposal) break; // no segment is long enough to split
    const cp: ChangePoint = { index: proposal.tau, statistic: proposal.q, order };
    if (opts.changePoints === undefined) {
      const perm = Int32Array.from(identity);
      let atLeast = 0;
      for (let r = 0; r < permutations; r++) {
        let qMax = Number.NEGATIVE_INFINITY;
        for (const [s, e] of segs) {
          shuffleRange(perm, s, e, rng);
          const b = bestSplit(d, n, perm, s, e, minSize, col);
          if (b && b.q > qMax) qMax = b.q;
        }
        if (qMax >= proposal.q) atLeast++;
      }
      cp.pValue = (1 + atLeast) / (permutations + 1);
      if (cp.pValue > sigLevel) {
        result.rejected = cp;
        break;
      }
    }
    result.changePoints.push(cp);
    cuts.push(proposal.tau);
    cuts.sort((a, b) => a - b);
    // The split segment is now two: forget its cached split.
    for (const [s, e] of segs) if (s <= proposal.tau && proposal.tau < e) cache.delete(s);
  }
  result.changePoints.sort((a, b) => a.index - b.index);
  result.segments = segmentsOf();
  return result;
}
