#!/usr/bin/env node
// Builds the native addon with cmake-js, offline (Node-API headers come from
// node-api-headers because package.json sets binary.napi_versions).
//
// Quiet unless it fails: cmake's ~50 lines go to build/native-build.log and the console
// gets the engine summary (which engines were built, and why not). On a failure the
// compiler's error lines are printed with the log's path. --verbose (or
// VRAMGATE_BUILD_VERBOSE=1) streams everything as before.
//
// --optional: a failed build only warns (npm install must still succeed on machines
// without a compiler; vramgate then samples host memory from JS and says so).
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const optional = process.argv.includes("--optional");
const verbose = process.argv.includes("--verbose") || process.env.VRAMGATE_BUILD_VERBOSE === "1";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
let cli;
try {
  cli = require.resolve("cmake-js/bin/cmake-js");
} catch {
  console.error("vramgate: cmake-js is not installed; run `npm install` first.");
  process.exit(optional ? 0 : 1);
}
const env = { ...process.env };
// npm passes its own `nodedir` setting to scripts; it would send cmake-js to look for
// full Node headers there instead of node-api-headers.
delete env.npm_config_nodedir;
const args = [cli, "compile", "--out", "build"];
if (process.env.VRAMGATE_CMAKE_ARGS) {
  for (const a of process.env.VRAMGATE_CMAKE_ARGS.split(/\s+/).filter(Boolean))
    args.push(`--CD${a.replace(/^-D/, "")}`);
}

const fallback =
  "vramgate still runs: host memory is sampled from JS and GPU engines are unavailable. " +
  "Possible solutions: install cmake and a C++17 compiler (apt-get install cmake g++), then `npm run build:native`.";

if (verbose) {
  const r = spawnSync(process.execPath, args, { stdio: "inherit", env, cwd: root });
  if (r.status !== 0) {
    console.error(`vramgate: the native addon did not build (see the cmake output above). ${fallback}`);
    process.exit(optional ? 0 : 1);
  }
  process.exit(0);
}

const r = spawnSync(process.execPath, args, { encoding: "utf8", env, cwd: root, maxBuffer: 256 * 1024 * 1024 });
const output = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? `\n${r.error.message}\n` : ""}`;
const logPath = join(root, "build", "native-build.log");
let logShown = relative(process.cwd(), logPath) || logPath;
try {
  mkdirSync(dirname(logPath), { recursive: true });
  writeFileSync(logPath, output);
} catch {
  logShown = "";
}
const lines = output.split("\n");
// CMakeLists.txt says which engines it built and why not, in lines starting "-- vramgate".
const summary = [...new Set(lines.filter((l) => l.startsWith("-- vramgate")).map((l) => l.slice(3).trim()))];

if (r.status === 0) {
  console.log(`vramgate: native addon built${logShown ? ` (cmake log: ${logShown})` : ""}`);
  for (const l of summary) console.log(`  ${l.replace(/^vramgate engines: /, "")}`);
  process.exit(0);
}

// The compiler's and cmake's own error lines, not the whole log (cmake-js retries once,
// so the same error can appear twice).
const errors = [
  ...new Set(
    lines
      .filter((l) => /(error|Error)[: ]|not found|No such file/.test(l) && !/^(INFO|ERROR OMG|--) /.test(l))
      .map((l) => l.trim()),
  ),
].slice(0, 12);
console.error("vramgate: the native addon did not build.");
for (const l of [...summary.map((x) => x.replace(/^vramgate engines: /, "")), ...errors])
  console.error(`  ${l.length > 300 ? `${l.slice(0, 300)}…` : l}`);
if (logShown) console.error(`  Full cmake output: ${logShown} (or run \`npm run build:native -- --verbose\`).`);
console.error(fallback);
process.exit(optional ? 0 : 1);
