import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { addonStatus, loadAddon } from "../../src/native/binding.js";
import type { AddonModule } from "../../src/native/AddonTypes.js";

/** The addon; these tests need it (CI builds it before `npm test`). */
export function addon(): AddonModule {
  const a = loadAddon();
  if (!a) throw new Error(`native addon not loaded: ${addonStatus().reason}`);
  return a;
}

export function addonPath(): string {
  return addonStatus().path!;
}

export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const lines = new WeakMap<ChildProcess, { text: string; waiters: Array<() => void>; ended: boolean }>();

/**
 * Resolves with the first stdout line matching re that was not consumed by an earlier
 * call (the child's stdout stays open between calls).
 */
export async function waitForLine(child: ChildProcess, re: RegExp, timeoutMs = 10_000): Promise<string> {
  const state = lines.get(child)!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = state.text.split("\n");
    const i = all.findIndex((l) => re.test(l));
    if (i >= 0) {
      state.text = all.slice(i + 1).join("\n");
      return all[i]!;
    }
    if (state.ended) throw new Error(`child ended before printing ${re}; stdout: ${state.text}`);
    if (Date.now() > deadline) throw new Error(`no line matching ${re} within ${timeoutMs} ms; stdout: ${state.text}`);
    await new Promise<void>((r) => {
      state.waiters.push(r);
      setTimeout(r, 100);
    });
  }
}

export function spawnNode(args: string[]): ChildProcess {
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  const state = { text: "", waiters: [] as Array<() => void>, ended: false };
  lines.set(child, state);
  const wake = () => {
    for (const w of state.waiters.splice(0)) w();
  };
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    state.text += chunk;
    wake();
  });
  child.stdout!.on("end", () => {
    state.ended = true;
    wake();
  });
  return child;
}

export async function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, "exit")) as [number | null];
  return code;
}
