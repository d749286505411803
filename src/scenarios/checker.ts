/**
 * Collects located problems for the semantic checks: each names a data path, and points at
 * that path's node in the YAML (or at another node, or a key, when that reads better).
 */
import type { InputProblem } from "../errors.js";
import { formatPath, type DataPath, type YamlLocator } from "./locate.js";

export interface Report {
  /** Data path named in the message. */
  path: DataPath;
  expected: string;
  found: string;
  hint?: string | undefined;
  /** Where to point instead of `path` (e.g. the `engine` line for a missing section). */
  at?: DataPath;
  /** Point at the key rather than its value. */
  key?: boolean;
}

export class Checker {
  readonly problems: InputProblem[] = [];
  constructor(
    readonly file: string,
    readonly locator: YamlLocator,
  ) {}

  report(r: Report): void {
    const { line, col } = this.locator.locate(r.at ?? r.path, { key: r.key ?? false });
    const p: InputProblem = {
      file: this.file,
      line,
      col,
      path: formatPath(r.path),
      expected: r.expected,
      found: r.found,
    };
    if (r.hint) p.hint = r.hint;
    this.problems.push(p);
  }
}
