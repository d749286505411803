/**
 * From a data path (["strategies", 1]) to the YAML node that holds it, and from there to a
 * 1-based line:column, so every problem points at what the user wrote.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import { quote } from "../errors.js";

export type DataPath = ReadonlyArray<string | number>;

export interface Located {
  line: number;
  col: number;
}

/** `profile.inputs.input.min[2]`; keys that are not plain identifiers are quoted: `env["A B"]`. */
export function formatPath(path: DataPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/** The pair in a mapping node whose key reads `key`. */
function findPair(node: unknown, key: string) {
  if (!isMap(node)) return undefined;
  return node.items.find((p) => isPair(p) && keyText(p.key) === key);
}

export class YamlLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Line and column of a source offset. */
  at(offset: number): Located {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  private nodeStart(node: unknown): Located | undefined {
    const range = (node as Node | null)?.range;
    return range ? this.at(range[0]) : undefined;
  }

  /**
   * Where the value at `path` is written. When the path goes past what the file has (a
   * missing key), the deepest node that exists: the mapping the key belongs in.
   * With `key: true`, the key of the last segment rather than its value (for unknown keys).
   */
  locate(path: DataPath, opts: { key?: boolean } = {}): Located {
    let node: unknown = this.doc.contents;
    let best = this.nodeStart(node) ?? { line: 1, col: 1 };
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = findPair(node, String(seg));
        if (!pair) return best;
        if (last && opts.key) return this.nodeStart(pair.key) ?? best;
        // A key with no value (`min:`) has a null value node or none: point at its key.
        node = pair.value;
        best = this.nodeStart(node) ?? this.nodeStart(pair.key) ?? best;
      } else if (isSeq(node) && typeof seg === "number") {
        node = node.items[seg];
        if (node === undefined) return best;
        best = this.nodeStart(node) ?? best;
      } else {
        return best;
      }
    }
    return best;
  }

  /** Whether the file spells out the value at `path` (false when a default fills it). */
  has(path: DataPath): boolean {
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = findPair(node, String(seg));
        if (!pair) return false;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        node = node.items[seg];
        if (node === undefined) return false;
      } else {
        return false;
      }
    }
    return true;
  }
}

/** The value at `path` in plain data, undefined when absent. */
export function valueAt(data: unknown, path: DataPath): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** How a found value reads in a message: `"fast"`, `12`, `a list`, `nothing`. */
export function describeValue(v: unknown, withType = false): string {
  if (v === undefined) return "nothing";
  if (v === null) return "an empty value (null)";
  if (Array.isArray(v))
    return v.length === 0 ? "an empty list" : `a list (${v.length} item${v.length === 1 ? "" : "s"})`;
  if (typeof v === "object") return "a mapping";
  // At most ~80 characters of the value: a 1 MiB name or a 10^6-digit number is never echoed whole.
  const text = quote(v);
  if (!withType) return text;
  const kind =
    typeof v === "string"
      ? "a string"
      : typeof v === "number"
        ? Number.isInteger(v)
          ? "an integer"
          : "a number"
        : "a boolean";
  return `${text} (${kind})`;
}
