/**
 * The process engine: the user's own worker (any language) driven over stdin/stdout by
 * docs/protocol.md; vramgate_worker.py is the Python helper. The worker owns its contexts,
 * so only the strategies that activate/deactivate around calls apply.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { quote } from "../../errors.js";
import type { EngineDescriptor } from "../contract.js";
import { section } from "./section.js";
export type { ProcessOptions } from "./section.js";

export const processEngine = {
  name: "process",
  summary: "your own worker process (Python helper vramgate_worker.py, or any language speaking docs/protocol.md)",
  strategies: {
    persistent: null,
    teardown: null,
    scoped: null,
    "per-shape": "the worker owns its contexts, so vramgate cannot keep one per shape",
    "user-managed": "device memory is allocated inside the worker",
  },
  modelOptional: true,
  readsOnnx: false,
  plantsFaults: false,
  section,
  sectionRequired: true,
  resolveSection(s, dir, report) {
    // The OS splits an environment entry at its first '=' and ends it at a NUL: such a name would be silently changed.
    for (const k of Object.keys(s.env)) {
      if (k === "" || k.includes("=") || k.includes("\0")) {
        report({
          path: ["env", k],
          key: true,
          expected: "an environment variable name (not empty, without '=' or a NUL character)",
          found: quote(k),
        });
      }
    }
    if (s.cwd === undefined) return s;
    const abs = resolve(dir, s.cwd);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) {
      report({
        path: ["cwd"],
        expected: `an existing folder (looked for ${abs})`,
        found: quote(s.cwd),
        hint: "Paths are relative to the scenario file's folder.",
      });
    }
    return { ...s, cwd: abs };
  },
  // Only the worker knows: its hello says whether it uses a GPU.
  usesGpu: () => undefined,
  host: {
    kind: "js",
    async create(init) {
      const { createProcessEngine } = await import("./engine.js");
      return createProcessEngine(init);
    },
  },
} as const satisfies EngineDescriptor<"process", typeof section>;
