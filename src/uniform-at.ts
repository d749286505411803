/**
 * Counter-based uniform draws: the same (seed, k, dim) always gives the same number, and any
 * call index is reachable without stepping through the ones before it. Shapes of a
 * sequence and generated input values both draw from here.
 */

/** murmur3's 32-bit finaliser: a bijective avalanche mix. */
function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Uniform draw in [0, 1) for (seed, k, dimIndex): a counter-based generator, so any call
 * index is reachable without stepping through the ones before it.
 */
export function uniformAt(seed: number, k: number, dimIndex: number): number {
  const kHigh = Math.floor(k / 0x1_0000_0000);
  const seedHigh = Math.floor(seed / 0x1_0000_0000);
  let h = fmix32((seed >>> 0) ^ 0x9e3779b9 ^ fmix32(seedHigh >>> 0));
  h = fmix32(h ^ (k >>> 0));
  h = fmix32(h ^ (kHigh >>> 0) ^ 0x85ebca6b);
  h = fmix32(h ^ Math.imul(dimIndex + 1, 0x27d4eb2f));
  return h / 0x1_0000_0000;
}
