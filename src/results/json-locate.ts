/**
 * Where things are in a JSON text: the nesting depth (checked before JSON.parse, so a file of
 * 10^6 nested brackets is refused up front instead of overflowing the stack later), and the
 * line:col of the value at a data path (for located schema errors).
 */

/** 1-based line and column of a character offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, col: offset - last };
}

/** Offset of the first `[`/`{` that opens nesting deeper than `max`, or undefined. Strings are skipped. */
export function tooDeepAt(text: string, max: number): number | undefined {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return i;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return undefined;
}

const isWs = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

function skipWs(text: string, i: number): number {
  while (i < text.length && isWs(text.charCodeAt(i))) i++;
  return i;
}

/** End (exclusive) of the string starting at `i` (a `"`). */
function stringEnd(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i + 1;
  }
  return text.length;
}

/** End (exclusive) of the value starting at `i` (iterative: any depth). */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 34) return stringEnd(text, i);
  if (c === 91 || c === 123) {
    let depth = 0;
    for (; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === 34) i = stringEnd(text, i) - 1;
      else if (d === 91 || d === 123) depth++;
      else if (d === 93 || d === 125) {
        if (--depth === 0) return i + 1;
      }
    }
    return text.length;
  }
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 44 || d === 93 || d === 125 || isWs(d)) break;
    i++;
  }
  return i;
}

/**
 * Offset of the value at `path` in a JSON text that parses; when the path goes past what the
 * text holds (a missing key), the offset of the deepest value that exists on the way.
 */
export function offsetOfPath(text: string, path: ReadonlyArray<string | number>): number {
  let at = skipWs(text, 0);
  for (const seg of path) {
    const open = text.charCodeAt(at);
    if (open === 123 && typeof seg === "string") {
      let i = skipWs(text, at + 1);
      let found: number | undefined;
      while (i < text.length && text.charCodeAt(i) === 34) {
        const kEnd = stringEnd(text, i);
        let key: unknown;
        try {
          key = JSON.parse(text.slice(i, kEnd));
        } catch {
          return at;
        }
        i = skipWs(text, kEnd);
        i = skipWs(text, i + 1); // past ':'
        if (key === seg) found = i; // the last duplicate wins, as in JSON.parse
        i = skipWs(text, valueEnd(text, i));
        if (text.charCodeAt(i) === 44) i = skipWs(text, i + 1);
        else break;
      }
      if (found === undefined) return at;
      at = found;
    } else if (open === 91 && typeof seg === "number") {
      let i = skipWs(text, at + 1);
      let k = 0;
      while (k < seg && i < text.length && text.charCodeAt(i) !== 93) {
        i = skipWs(text, valueEnd(text, i));
        if (text.charCodeAt(i) === 44) i = skipWs(text, i + 1);
        else return at;
        k++;
      }
      if (k < seg || text.charCodeAt(i) === 93) return at;
      at = i;
    } else {
      return at;
    }
  }
  return at;
}
