/**
 * Checks made after the scenarios are parsed and before the first strategy child starts:
 * what the parser cannot know because it depends on an engine or on this machine.
 *
 * Without them each strategy child finds the same fault on its own, seconds into the run,
 * and the user reads the same message once per strategy and precision (issue #12 item 5,
 * #13 "fail fast"). Here every fault is found once, located at the key that causes it
 * (file:line:col, expected, found), in milliseconds:
 *
 *   - onnxruntime: each listed precision against the model's weight types (ONNX Runtime runs
 *     a model in the precision it is stored in), a model file that is not ONNX, the
 *     onnxruntime-node package, and `executionProvider: cuda | tensorrt` in this build;
 *   - libtorch, tensorrt: the engine built into the native addon;
 *   - process: `process.command[0]` resolvable as the worker would be started (PATH of the
 *     worker's environment, or a path relative to its working directory), and executable.
 *
 * Exit codes follow the README's table: a scenario that contradicts itself or names a
 * command that does not exist is bad input (exit 2); an engine or execution provider that
 * this machine's build lacks is "engine missing" (exit 3): the same scenario runs where it
 * is installed. When both kinds are found, all are listed and the exit code is 2 (the
 * scenario needs fixing wherever it runs).
 *
 * This module runs in the parent, which samples device memory: it never creates a GPU
 * session itself. A provider whose library is present is probed in a throwaway process.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, type Stats, statSync } from "node:fs";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { delimiter, isAbsolute, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { LineCounter, parseDocument } from "yaml";
import { formatProblem, InputError, RunError, type InputProblem } from "../errors.js";
import { inspectOnnx, OnnxFormatError, type OnnxSummary } from "../models/onnx-inspect.js";
import { addonStatus, loadAddon } from "../native/binding.js";
import { ortRunnablePrecisions } from "../engines/onnxruntime/engine.js";
import { missingProviderLibrary, type GpuProvider } from "../engines/onnxruntime/probe.js";
import { workerCwd, workerEnv } from "../engines/process/engine.js";
import { displayName } from "../scenarios/parse.js";
import { formatPath, YamlLocator, type DataPath } from "../scenarios/locate.js";
import { editDistance } from "../scenarios/suggest.js";
import type { Scenario } from "../scenarios/types.js";

/** How to build each native engine (the same words as native/engines/factory.cc and the README). */
const BUILD_HINT: Record<"libtorch" | "tensorrt", string> = {
  libtorch:
    "To build it: VRAMGATE_CMAKE_ARGS=\"-DTorch_DIR=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')/Torch\" npm run build:native. `vramgate doctor` lists the engines built here.",
  tensorrt:
    "To build it: TENSORRT_ROOT=/path/to/TensorRT npm run build:native. `vramgate doctor` lists the engines built here.",
};

/** Longest wait for a provider probe in a throwaway process (CUDA initialisation included). */
const PROVIDER_PROBE_TIMEOUT_MS = 120_000;

export interface PreflightOptions {
  /**
   * Probes an execution provider whose library is present, returning null when it runs or
   * why not (undefined: could not tell; the child will say). Default: a throwaway process.
   */
  probeProvider?: (provider: GpuProvider, device: number) => Promise<string | null | undefined>;
}

/** One fault found, with the exit code it stands for. */
interface Finding {
  problem: InputProblem;
  /** true: this machine lacks something (exit 3); false: the scenario is wrong (exit 2). */
  missing: boolean;
  /** Lines under the located one: the cause and what to do, too long for the problem's parts. */
  detail?: string[];
}

/** Locates data paths in one scenario file (re-read: the Scenario keeps no YAML nodes). */
class Where {
  private locator: YamlLocator | undefined;
  readonly name: string;
  constructor(readonly scenario: Scenario) {
    this.name = displayName(scenario.file);
    try {
      const lines = new LineCounter();
      const doc = parseDocument(readFileSync(scenario.file, "utf8"), { lineCounter: lines, uniqueKeys: false });
      this.locator = new YamlLocator(doc, lines);
    } catch {
      // The file was parsed a moment ago; if it is gone now, name the file without a line.
      this.locator = undefined;
    }
  }
  has(path: DataPath): boolean {
    return this.locator?.has(path) ?? false;
  }
  problem(path: DataPath, expected: string, found: string, hint?: string): InputProblem {
    const at = this.locator?.locate(path);
    const p: InputProblem = { file: this.name, path: formatPath(path), expected, found };
    if (at) Object.assign(p, at);
    if (hint) p.hint = hint;
    return p;
  }
}

/**
 * Runs every check over every scenario and throws one error listing all faults found:
 * InputError (exit 2) when any is bad input, else RunError (exit 3). Returns when all hold.
 */
export async function preflight(scenarios: readonly Scenario[], opts: PreflightOptions = {}): Promise<void> {
  const findings: Finding[] = [];
  const probe = opts.probeProvider ?? probeProviderInChild;
  const probed = new Map<string, Promise<string | null | undefined>>();
  for (const s of scenarios) {
    const where = new Where(s);
    switch (s.engine) {
      case "onnxruntime":
        findings.push(...checkOnnxRuntime(s, where));
        findings.push(...(await checkProvider(s, where, (p, d) => memo(probed, `${p}:${d}`, () => probe(p, d)))));
        break;
      case "libtorch":
      case "tensorrt":
        findings.push(...checkNativeEngine(s, where));
        break;
      case "process":
        findings.push(...checkProcessCommand(s, where));
        break;
    }
  }
  if (findings.length === 0) return;
  const text = findings
    .map((f) => [formatProblem(f.problem), ...(f.detail ?? []).map((l) => `  ${l}`)].join("\n"))
    .join("\n");
  const tail = "\nNothing was run (checked before the first strategy started).";
  if (findings.some((f) => !f.missing)) throw new InputError(text + tail);
  throw new RunError(text + tail);
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = make();
    cache.set(key, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------
// onnxruntime

/** Where the precision at index i of the scenario's list is written. */
function precisionPath(where: Where, i: number): DataPath {
  return where.has(["precision", i]) ? ["precision", i] : ["precision"];
}

function checkOnnxRuntime(s: Scenario, where: Where): Finding[] {
  const out: Finding[] = [];
  let runnable: Precision[];
  let what: string;
  if (s.model.kind === "generate") {
    // vramgate writes a float32 or a float16 copy, whichever the run's precision needs.
    runnable = ["fp32", "fp16"];
    what = `the generated ${s.model.arch}`;
  } else if (s.model.kind === "file") {
    const modelAt: DataPath = where.has(["model", "path"]) ? ["model", "path"] : ["model"];
    let summary: OnnxSummary;
    try {
      summary = inspectOnnx(readFileSync(s.model.resolvedPath));
    } catch (e) {
      // A .onnx file was already inspected by the parser; ONNX Runtime reads any file as ONNX.
      if (e instanceof OnnxFormatError) {
        out.push({
          missing: false,
          problem: where.problem(
            modelAt,
            "an ONNX model file (engine onnxruntime reads ONNX only)",
            `a file that is ${e.message}`,
          ),
        });
      } else {
        const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        out.push({
          missing: false,
          problem: where.problem(modelAt, "a readable model file", `an error reading it (${code})`),
        });
      }
      return out;
    }
    runnable = ortRunnablePrecisions(summary);
    what = `${s.model.path} (${weightsText(runnable)})`;
  } else {
    return out;
  }
  s.precisions.forEach((p, i) => {
    if (runnable.includes(p)) return;
    const expected =
      p === "fp32" || p === "fp16"
        ? `a precision ${what} runs on ONNX Runtime: ${runnable.join(" or ")} (ONNX Runtime runs a model in the precision it is stored in)`
        : `a precision the onnxruntime engine runs: ${runnable.join(" or ")} for ${what}`;
    const hint =
      p === "fp16"
        ? "Generate an fp16 model with `vramgate model <arch> --fp16`, convert yours to float16 (onnxconverter-common, keep_io_types=True), or remove fp16 from the list."
        : p === "fp32"
          ? "Use precision fp16 for this model, or point the scenario at the float32 model."
          : p === "int8" || p === "fp8"
            ? `For ${p}, use engine tensorrt, which builds quantized engines; a pre-quantized (QDQ) model runs here under precision fp32.`
            : `For ${p}, use engine tensorrt or libtorch.`;
    out.push({ missing: false, problem: where.problem(precisionPath(where, i), expected, `"${p}"`, hint) });
  });
  if (!resolvable("onnxruntime-node")) {
    out.push({
      missing: true,
      problem: where.problem(
        ["engine"],
        "an engine installed here",
        '"onnxruntime", but the onnxruntime-node package cannot be found',
        "Install it in this project: npm install onnxruntime-node@1.30.0, or choose another engine.",
      ),
    });
  }
  return out;
}

type Precision = Scenario["precisions"][number];

function weightsText(runnable: Precision[]): string {
  if (runnable.length === 2) return "float32 and float16 weights";
  return runnable[0] === "fp16" ? "float16 weights only" : "float32 weights, no float16";
}

function resolvable(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

async function checkProvider(
  s: Scenario,
  where: Where,
  probe: (p: GpuProvider, device: number) => Promise<string | null | undefined>,
): Promise<Finding[]> {
  const provider = s.onnxruntime.executionProvider;
  if (provider === "cpu") return [];
  const path: DataPath = ["onnxruntime", "executionProvider"];
  // The library check reads the file system only; a present library still needs a session
  // (CUDA, cuDNN, a GPU), tried in a throwaway process.
  const why =
    missingProviderLibrary(provider) ??
    (resolvable("onnxruntime-node") ? await probe(provider, s.memory.device) : null);
  if (!why) return [];
  const libs = provider === "tensorrt" ? "CUDA 12, cuDNN 9 and TensorRT 10" : "CUDA 12 and cuDNN 9";
  return [
    {
      missing: true,
      problem: where.problem(
        path,
        "an execution provider this onnxruntime-node build can run",
        `"${provider}", which it cannot`,
      ),
      detail: [
        `${why}.`,
        `Fetch the CUDA 12 provider libraries (ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install, needs api.nuget.org) and put ${libs} on the library path, or set executionProvider: cpu. \`vramgate doctor\` lists the providers usable here.`,
      ],
    },
  ];
}

/** Entry of the throwaway probe process: compiled .js next to this file, else the .ts under tsx. */
function probeEntry(): { path: string; execArgv: string[] } {
  const js = fileURLToPath(new URL("./preflight-probe.js", import.meta.url));
  if (existsSync(js)) return { path: js, execArgv: [] };
  return { path: fileURLToPath(new URL("./preflight-probe.ts", import.meta.url)), execArgv: ["--import", "tsx"] };
}

/** Creates a session with the provider alone in another process; its CUDA context dies with it. */
function probeProviderInChild(provider: GpuProvider, device: number): Promise<string | null | undefined> {
  const entry = probeEntry();
  return new Promise((done) => {
    execFile(
      process.execPath,
      [...entry.execArgv, entry.path, provider, String(device)],
      { timeout: PROVIDER_PROBE_TIMEOUT_MS, maxBuffer: 1 << 20 },
      (_err, stdout) => {
        try {
          const r = JSON.parse(stdout.trim().split("\n").pop() ?? "") as { failure?: unknown };
          if (r.failure === null) return done(null);
          if (typeof r.failure === "string") return done(r.failure.split("\n")[0] ?? r.failure);
        } catch {
          /* no verdict printed */
        }
        // The probe itself did not finish (killed, timed out: ${err?.message}): leave the
        // verdict to the strategy children, which probe again and say what failed.
        done(undefined);
      },
    );
  });
}

// ---------------------------------------------------------------------------------------
// native engines

function checkNativeEngine(s: Scenario, where: Where): Finding[] {
  const kind = s.engine as "libtorch" | "tensorrt";
  const addon = loadAddon();
  if (!addon) {
    return [
      {
        missing: true,
        problem: where.problem(
          ["engine"],
          `an engine available here (${kind} lives in the native addon)`,
          `"${kind}", but the native addon did not load`,
        ),
        detail: [addonStatus().reason ?? "The native addon did not load."],
      },
    ];
  }
  const build = addon.probe().engines[kind];
  if (build.built) return [];
  return [
    {
      missing: true,
      problem: where.problem(
        ["engine"],
        "an engine built into this vramgate's native addon",
        `"${kind}", which is not built into it`,
      ),
      detail: [`When the addon was built: ${build.reason ?? `${kind} was not found`}.`, BUILD_HINT[kind]],
    },
  ];
}

// ---------------------------------------------------------------------------------------
// process

function isExecutableFile(p: string): "ok" | "missing" | "folder" | "not-executable" {
  let st: Stats;
  try {
    st = statSync(p);
  } catch {
    return "missing";
  }
  if (st.isDirectory()) return "folder";
  try {
    accessSync(p, constants.X_OK);
    return "ok";
  } catch {
    return "not-executable";
  }
}

function checkProcessCommand(s: Scenario, where: Where): Finding[] {
  const spec = s.process;
  const cmd = spec?.command[0];
  // Windows resolves commands through PATHEXT: left to the spawn there.
  if (!spec || cmd === undefined || process.platform === "win32") return [];
  const cwd = workerCwd(s.file, spec.cwd);
  const path: DataPath = ["process", "command", 0];
  const bad = (found: string, detail: string[]): Finding[] => [
    {
      missing: false,
      problem: where.problem(
        path,
        "a command that can be started: an executable on the worker's PATH, or a path to one",
        found,
      ),
      detail,
    },
  ];
  const interpreterHint = `Make it executable (chmod +x), or name its interpreter first, e.g. command: [python3, ${JSON.stringify(cmd)}].`;
  // As spawn does (no shell): a name with a slash is a path from the worker's cwd, else a PATH search.
  if (cmd.includes("/") || cmd.includes(sep)) {
    const abs = isAbsolute(cmd) ? cmd : resolve(cwd, cmd);
    switch (isExecutableFile(abs)) {
      case "ok":
        return [];
      case "missing":
        return bad(`"${cmd}", which does not exist`, [
          `Looked for ${abs}: a relative path starts from ${spec.cwd === undefined ? "the scenario file's folder" : "process.cwd"}.`,
        ]);
      case "folder":
        return bad(`"${cmd}", a folder`, [`${abs} is a folder: name the worker program itself.`]);
      case "not-executable":
        return bad(`"${cmd}", a file that is not executable`, [
          `${abs} has no execute permission for this user.`,
          interpreterHint,
        ]);
    }
  }
  const envPath = workerEnv(spec.env).PATH;
  // Without PATH the system's default search applies: not second-guessed here.
  if (envPath === undefined) return [];
  const dirs = envPath.split(delimiter).map((d) => (d === "" ? cwd : resolve(cwd, d)));
  let notExecutable: string | undefined;
  for (const d of dirs) {
    const r = isExecutableFile(resolve(d, cmd));
    if (r === "ok") return [];
    if (r === "not-executable") notExecutable ??= resolve(d, cmd);
  }
  if (notExecutable)
    return bad(`"${cmd}", found on PATH only as a file that is not executable`, [
      `${notExecutable} has no execute permission for this user.`,
      interpreterHint,
    ]);
  const detail = [`PATH of the worker: ${envPath}${spec.env.PATH !== undefined ? " (from process.env)" : ""}.`];
  const near = closestCommand(cmd, dirs);
  if (near) detail.push(`Did you mean "${near}"?`);
  if (isExecutableFile(resolve(cwd, cmd)) !== "missing")
    detail.push(`A file in the worker's folder needs a path: "./${cmd}".`);
  else detail.push("Install it, give its full path, or set PATH under process.env.");
  return bad(`"${cmd}", which is not on PATH`, detail);
}

/** A command on PATH a typo away from `cmd` ("pyhton3" → "python3"), if any. */
function closestCommand(cmd: string, dirs: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(cmd.length / 3));
  let best: { name: string; d: number } | undefined;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (Math.abs(name.length - cmd.length) > limit) continue;
      const d = editDistance(cmd, name);
      if (d <= limit && (!best || d < best.d)) best = { name, d };
    }
  }
  return best?.name;
}
