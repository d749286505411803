/**
 * Runs the real CLI entry (`main` of src/cli/main.ts: yargs, the commands, the error →
 * exit-code mapping) inside the test process, hundreds of times faster than spawning node:
 * stdout and stderr are captured, process.exitCode is read and reset.
 *
 * main.ts runs itself when imported; the first import is made with a harmless command
 * (analyze of a missing file) whose output is swallowed.
 */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Set when the command did not finish within the timeout. */
  timedOut?: boolean;
  ms: number;
}

type Main = (argv: string[]) => Promise<void>;
let mainFn: Main | undefined;

type Write = typeof process.stdout.write;

async function capture<T>(fn: () => Promise<T>): Promise<{ value: T; stdout: string; stderr: string }> {
  const outWrite = process.stdout.write;
  const errWrite = process.stderr.write;
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void): Write =>
    ((chunk: unknown, enc?: unknown, cb?: unknown) => {
      append(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString());
      const done = typeof enc === "function" ? enc : cb;
      if (typeof done === "function") (done as () => void)();
      return true;
    }) as Write;
  process.stdout.write = sink((s) => (stdout += s));
  process.stderr.write = sink((s) => (stderr += s));
  try {
    const value = await fn();
    return { value, stdout, stderr };
  } finally {
    process.stdout.write = outWrite;
    process.stderr.write = errWrite;
  }
}

async function loadMain(): Promise<Main> {
  if (mainFn) return mainFn;
  const saved = process.argv;
  process.argv = [process.execPath, "vramgate", "analyze", "/nonexistent/vramgate-in-process-warm-up.csv"];
  try {
    const mod = await capture(() => import("../../src/cli/main.js") as Promise<{ main: Main }>);
    mainFn = mod.value.main;
  } finally {
    process.argv = saved;
    process.exitCode = undefined;
  }
  return mainFn;
}

/** `vramgate ARGS…` in this process; `timeoutMs` bounds one command (a hang is reported, not waited for). */
export async function runInProcess(args: string[], opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  const main = await loadMain();
  const start = performance.now();
  process.exitCode = undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((r) => {
    timer = setTimeout(() => r("timeout"), opts.timeoutMs ?? 60_000);
  });
  try {
    const { value, stdout, stderr } = await capture(() =>
      Promise.race([main(args).then(() => "done" as const), timeout]),
    );
    const code = typeof process.exitCode === "number" ? process.exitCode : 0;
    const result: CliResult = { code, stdout, stderr, ms: performance.now() - start };
    if (value === "timeout") result.timedOut = true;
    return result;
  } finally {
    clearTimeout(timer);
    process.exitCode = undefined;
  }
}
