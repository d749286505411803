#!/usr/bin/env node
// Builds the native addon with cmake-js, offline (Node-API headers come from
// node-api-headers because package.json sets binary.napi_versions).
// --optional: a failed build only warns (npm install must still succeed on machines
// without a compiler; vramgate then samples host memory from JS and says so).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const optional = process.argv.includes("--optional");
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
  for (const a of process.env.VRAMGATE_CMAKE_ARGS.split(/\s+/).filter(Boolean)) args.push(`--CD${a.replace(/^-D/, "")}`);
}
const r = spawnSync(process.execPath, args, { stdio: "inherit", env });
if (r.status !== 0) {
  const msg = "vramgate: the native addon did not build (see the cmake output above). " +
    "vramgate still runs: host memory is sampled from JS and GPU engines are unavailable. " +
    "Possible solutions: install cmake and a C++17 compiler (apt-get install cmake g++), then `npm run build:native`.";
  console.error(msg);
  process.exit(optional ? 0 : 1);
}
