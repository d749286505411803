/**
 * Node's timers hold at most 2^31 − 1 ms (about 24.8 days); a longer delay is silently
 * clamped to 1 ms, so a "never" watchdog would fire at once. Every timer whose delay comes
 * from the user goes through `timerDelayMs` (bottom layer: imports nothing).
 */

/** Longest delay setTimeout/setInterval honour, ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Longest delay in whole seconds (what scenario fields in seconds may hold). */
export const MAX_TIMER_S = Math.floor(MAX_TIMER_MS / 1000);

/**
 * A delay Node will honour: longer ones (and Infinity) become MAX_TIMER_MS ("as good as
 * never"), not 1 ms; below 1 ms, NaN or negative become 1 ms.
 */
export function timerDelayMs(ms: number): number {
  if (Number.isNaN(ms) || ms < 1) return 1;
  return Math.min(ms, MAX_TIMER_MS);
}
