/**
 * "Did you mean" for misspelt keys and enum values: the closest candidate by
 * Damerau–Levenshtein distance (optimal string alignment), if it is close enough to be
 * a plausible typo rather than a different word.
 */

/** Edits (insert, delete, substitute, swap adjacent) turning `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  // d[i][j] = distance between a[0..i) and b[0..j), flattened row-major.
  const d = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate closest to `word` (case-insensitive), or undefined when none is within
 * max(1, ⌊length/3⌋) edits — beyond that a suggestion is more often wrong than helpful.
 * A candidate that `word` is a prefix of (or the reverse) counts as close too: "persist"
 * → "persistent".
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    if (lc === w) return c;
    const dist = editDistance(w, lc);
    const limit = Math.max(1, Math.floor(Math.max(w.length, lc.length) / 3));
    const prefix = w.length >= 3 && (lc.startsWith(w) || w.startsWith(lc));
    if ((dist <= limit || prefix) && dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  if (best !== undefined) return best;
  // No close spelling: a single candidate sharing the first four letters ("onnxrt" → "onnxruntime").
  const sharing = w.length >= 4 ? candidates.filter((c) => c.toLowerCase().startsWith(w.slice(0, 4))) : [];
  return sharing.length === 1 ? sharing[0] : undefined;
}

/** ` Did you mean "x"?` style hint text, or undefined. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const c = closest(word, candidates);
  return c === undefined ? undefined : `Did you mean "${c}"?`;
}
