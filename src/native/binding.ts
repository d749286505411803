/**
 * The one place that loads the native addon. Lazy: commands that need no native code
 * never touch it, and a missing or broken build is reported, not thrown.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddonModule } from "./AddonTypes.js";

export interface AddonStatus {
  loaded: boolean;
  /** The .node file loaded or tried. */
  path?: string;
  /** Why it did not load, with possible solutions. */
  reason?: string;
}

const ADDON_RELATIVE = join("build", "Release", "vramgate.node");

let cached: { module: AddonModule | null; status: AddonStatus } | undefined;

/** The folder holding vramgate's package.json (works from src/ under tsx/vitest and from dist/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "vramgate") return dir;
      } catch {
        /* not ours; keep climbing */
      }
    }
    const up = dirname(dir);
    if (up === dir) return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
    dir = up;
  }
}

function solutions(): string {
  return (
    "Possible solutions: run `npm run build:native` in " +
    packageRoot() +
    "; install cmake (>= 3.19) and a C++17 compiler (`apt-get install cmake g++`) if that fails; " +
    "or set VRAMGATE_ADDON_PATH to a built vramgate.node."
  );
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
}

/** The addon, or null when it is not built or does not load (see addonStatus()). */
export function loadAddon(): AddonModule | null {
  if (cached) return cached.module;
  const path = process.env.VRAMGATE_ADDON_PATH ?? join(packageRoot(), ADDON_RELATIVE);
  if (!existsSync(path)) {
    cached = {
      module: null,
      status: { loaded: false, path, reason: `the native addon is not built (no ${path}). ${solutions()}` },
    };
    return null;
  }
  try {
    const require = createRequire(import.meta.url);
    const module = require(path) as AddonModule;
    cached = { module, status: { loaded: true, path } };
  } catch (e) {
    cached = {
      module: null,
      status: {
        loaded: false,
        path,
        reason: `the native addon at ${path} did not load: ${firstLine(e)}. ${solutions()}`,
      },
    };
  }
  return cached.module;
}

/** Whether the addon loaded, from where, or why not. Loads it on first call. */
export function addonStatus(): AddonStatus {
  loadAddon();
  return cached!.status;
}
