/** Committed GPU evidence (results/examples/…): the results file of a run folder, plain or gzip. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readResultsFile } from "../../src/results/read.js";
import type { ResultsFile } from "../../src/results/types.js";
import { ROOT } from "./cli.js";

/** The one results file (`*.json` or `*.json.gz`) in `results/examples/<folder>`. */
export function evidence(folder: string): ResultsFile {
  const dir = join(ROOT, "results/examples", folder);
  const files = readdirSync(dir).filter((f) => /\.json(\.gz)?$/.test(f));
  if (files.length !== 1) throw new Error(`${dir}: expected one results file, found ${files.join(", ") || "none"}`);
  return readResultsFile(join(dir, files[0]!));
}
