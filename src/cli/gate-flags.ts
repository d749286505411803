/**
 * The gate flags `bench` and `merge` share (`--leak`, `--max-residual-mib`, …): declared
 * once, read into the overrides analysis/gates.ts applies over each scenario's own gate.
 */
import type { Argv } from "yargs";
import type { GateSpec } from "../scenarios/types.js";
import { numberFlag } from "./flags.js";

export interface GateArgs {
  leak?: "fail" | "warn" | "off";
  /** Numeric flags arrive as the user typed them when not numbers (see flags.ts). */
  "max-residual-mib"?: unknown;
  "max-slowdown"?: unknown;
  "max-peak-mib"?: unknown;
  "max-regression"?: unknown;
  "max-memory-increase"?: unknown;
}

/** Declares the gate flags; `baseline`: also the two that need --baseline. */
export function withGateFlags<T>(y: Argv<T>, opts: { baseline: boolean }): Argv<T> {
  let out = y
    .option("leak", { choices: ["fail", "warn", "off"] as const, describe: "override gate.leak" })
    .option("max-residual-mib", { requiresArg: true, describe: "override gate.maxResidualMiB" })
    .option("max-slowdown", { requiresArg: true, describe: "override gate.maxSlowdown (fraction)" })
    .option("max-peak-mib", { requiresArg: true, describe: "override gate.maxPeakMiB" });
  if (opts.baseline)
    out = out
      .option("max-regression", {
        requiresArg: true,
        describe: "override gate.maxRegression (fraction, needs --baseline)",
      })
      .option("max-memory-increase", {
        requiresArg: true,
        describe: "override gate.maxMemoryIncrease (fraction, needs --baseline)",
      });
  return out as Argv<T>;
}

export function gateOverrides(a: GateArgs): Partial<GateSpec> {
  const o: Partial<GateSpec> = {};
  if (a.leak) o.leak = a.leak;
  const num = (flag: keyof GateArgs, key: keyof GateSpec) => {
    const v = numberFlag(String(flag), a[flag], { min: 0 });
    if (v !== undefined) (o as Record<string, unknown>)[key] = v;
  };
  num("max-residual-mib", "maxResidualMiB");
  num("max-slowdown", "maxSlowdown");
  num("max-peak-mib", "maxPeakMiB");
  num("max-regression", "maxRegression");
  num("max-memory-increase", "maxMemoryIncrease");
  return o;
}
