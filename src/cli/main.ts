#!/usr/bin/env node
/**
 * vramgate command line. Exit codes: 0 all gates hold · 1 a gate failed · 2 bad input ·
 * 3 the run could not be carried out · 130 interrupted (results so far are kept).
 */
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { EXIT, InputError, RunError } from "../errors.js";
import { command as bench } from "./bench.js";
import { command as analyze } from "./analyze.js";
import { command as compare } from "./compare.js";
import { command as doctor } from "./doctor.js";
import { command as history } from "./history.js";
import { command as merge } from "./merge.js";
import { command as model } from "./model.js";

function fail(message: string, code: number): void {
  process.stderr.write(`vramgate: ${message}\n`);
  process.exitCode = code;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await yargs(argv)
      .scriptName("vramgate")
      .command(bench)
      .command(analyze)
      .command(compare)
      .command(doctor)
      .command(merge)
      .command(history)
      .command(model)
      .demandCommand(1, "Name a command: bench, merge, analyze, compare, history, doctor or model.")
      .strict()
      .recommendCommands()
      .fail((msg, err) => {
        if (err) throw err;
        throw new InputError(`${msg}\nRun \`vramgate --help\` for usage.`);
      })
      .help()
      .version()
      .parseAsync();
  } catch (e) {
    if (e instanceof InputError) return fail(e.message, EXIT.badInput);
    if (e instanceof RunError) return fail(e.message, EXIT.runFailed);
    const err = e as Error;
    fail(`internal error: ${err.stack ?? err.message}`, EXIT.runFailed);
  }
}

await main(hideBin(process.argv));
