/**
 * Errors that reach the user as one clear message and an exit code, never a stack trace.
 * Exit codes: 0 all gates hold · 1 a gate failed · 2 bad input · 3 the run could not be carried out.
 */
export const EXIT = { ok: 0, gateFailed: 1, badInput: 2, runFailed: 3 } as const;

/** One problem in an input file, located as precisely as the file allows. */
export interface InputProblem {
  file: string;
  /** 1-based; absent when the problem is the whole file (e.g. missing). */
  line?: number;
  col?: number;
  /** YAML/JSON path such as `strategies[1]` or `profile.input.min`. */
  path?: string;
  /** What was expected, e.g. `one of persistent, teardown, scoped`. */
  expected: string;
  /** What was found, e.g. `"persistant" (string)`. */
  found: string;
  /** A did-you-mean or other hint. */
  hint?: string;
}

export function formatProblem(p: InputProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.col ?? 1}` : p.file;
  const path = p.path ? ` ${p.path}:` : "";
  const hint = p.hint ? ` ${p.hint}` : "";
  return `${where}:${path} expected ${p.expected}, found ${p.found}.${hint}`;
}

/** Bad input (scenario, flags, files): exit 2. */
export class InputError extends Error {
  override name = "InputError";
  readonly problems: InputProblem[];
  constructor(problems: InputProblem[] | string) {
    const list = typeof problems === "string" ? [] : problems;
    super(typeof problems === "string" ? problems : list.map(formatProblem).join("\n"));
    this.problems = list;
  }
}

/** The run could not be carried out (engine missing, device error): exit 3. */
export class RunError extends Error {
  override name = "RunError";
}
