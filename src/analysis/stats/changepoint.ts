/**
 * One-hinge least-squares fits, to locate where growth starts (flat → rising: onset) or
 * stops (rising → flat: plateau). For each candidate hinge τ the model is
 * y = a + b·z(x) with z = max(0, x − τ) (onset) or z = min(x, τ) (plateau); the τ with the
 * smallest squared error wins. O(m · candidates); run on block-reduced series.
 */

export interface HingeFit {
  /** x of the hinge. */
  hinge: number;
  /** Index of the first point at or after the hinge. */
  index: number;
  /** Slope of the rising part. */
  slope: number;
  /** Squared error of the hinge model. */
  sse: number;
  /** Squared error of a straight line through all points, for comparison. */
  lineSse: number;
}

function fitSse(x: ArrayLike<number>, y: ArrayLike<number>, z: (x: number) => number): { sse: number; slope: number } {
  const n = x.length;
  let sz = 0,
    sy = 0,
    szz = 0,
    szy = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const zi = z(x[i] as number);
    const yi = y[i] as number;
    sz += zi;
    sy += yi;
    szz += zi * zi;
    szy += zi * yi;
    syy += yi * yi;
  }
  const vzz = szz - (sz * sz) / n;
  const vzy = szy - (sz * sy) / n;
  const vyy = syy - (sy * sy) / n;
  if (vzz <= 0) return { sse: Math.max(0, vyy), slope: 0 };
  return { sse: Math.max(0, vyy - (vzy * vzy) / vzz), slope: vzy / vzz };
}

/**
 * Best hinge of the given kind. Candidates are the x values from the 2nd to the
 * second-to-last point, thinned to at most `maxCandidates`.
 */
export function hingeFit(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  kind: "onset" | "plateau",
  maxCandidates = 400,
): HingeFit {
  const n = x.length;
  const line = fitSse(x, y, (v) => v);
  let best: HingeFit = {
    hinge: n > 0 ? (x[0] as number) : 0,
    index: 0,
    slope: line.slope,
    sse: line.sse,
    lineSse: line.sse,
  };
  if (n < 4) return best;
  const stride = Math.max(1, Math.ceil((n - 2) / maxCandidates));
  for (let k = 1; k < n - 1; k += stride) {
    const tau = x[k] as number;
    const f = fitSse(x, y, kind === "onset" ? (v) => (v > tau ? v - tau : 0) : (v) => Math.min(v, tau));
    if (f.sse < best.sse) best = { hinge: tau, index: k, slope: f.slope, sse: f.sse, lineSse: line.sse };
  }
  return best;
}
