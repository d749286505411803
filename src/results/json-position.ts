/**
 * Where a JSON text first goes wrong. Node 20's JSON.parse names a position for some
 * errors only, so the offset is found by bisection when the message has none.
 */

/** Whether JSON.parse's complaint about a prefix only means "the text stopped early". */
function endedEarly(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (e) {
    const msg = (e as Error).message;
    if (/end of (JSON )?input|Unterminated string/i.test(msg)) return true;
    const m = /position (\d+)/.exec(msg);
    return m !== null && Number(m[1]) >= prefix.trimEnd().length;
  }
}

/**
 * Character offset of the first JSON syntax error in `text` (undefined when it parses).
 * Node 20 omits the position for some errors ("Unexpected token ','…"), so the offset is
 * found by bisection: the shortest prefix whose failure is not just an early end.
 */
export function jsonErrorOffset(text: string): number | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    if (m) return Number(m[1]);
  }
  let lo = 0; // prefix of length lo only ended early
  let hi = text.length; // prefix of length hi is broken
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (endedEarly(text.slice(0, mid))) lo = mid;
    else hi = mid;
  }
  return hi - 1;
}
