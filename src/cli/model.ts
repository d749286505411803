/**
 * `vramgate model <arch> [--seed N] [--out FILE] [--fp16]`: writes a generated ResNet.
 * Without --out the model goes to the cache folder models/ (reused when already valid).
 */
import { resolve } from "node:path";
import type { CommandModule } from "yargs";
import { RESNET_DEPTHS, type ResnetName } from "../scenarios/types.js";
import { EXIT, InputError } from "../errors.js";
import { ensureModel, writeGeneratedModel, type GeneratedModelSpec } from "../models/cache.js";

interface ModelArgs {
  arch: string;
  seed: number;
  out?: string;
  fp16: boolean;
}

function parseSpec(args: ModelArgs): GeneratedModelSpec {
  if (!(RESNET_DEPTHS as readonly string[]).includes(args.arch)) {
    throw new InputError(`model: expected an architecture, one of ${RESNET_DEPTHS.join(", ")}, found "${args.arch}"`);
  }
  if (!Number.isInteger(args.seed) || args.seed < 0 || args.seed > 0xffffffff) {
    throw new InputError(`model: expected --seed to be an integer in [0, 4294967295], found ${String(args.seed)}`);
  }
  return { arch: args.arch as ResnetName, seed: args.seed, dtype: args.fp16 ? "float16" : "float32" };
}

export const command: CommandModule<object, ModelArgs> = {
  command: "model <arch>",
  describe: "Generate a ResNet ONNX model with deterministic seeded weights",
  builder: (y) =>
    y
      .positional("arch", {
        describe: `architecture (${RESNET_DEPTHS.join(", ")})`,
        type: "string",
        demandOption: true,
      })
      .option("seed", { describe: "weight seed", type: "number", default: 0 })
      .option("out", { describe: "output file (default: models/<arch>-s<seed>.onnx, cached)", type: "string" })
      .option("fp16", { describe: "float16 weights (float32 input and output)", type: "boolean", default: false }),
  handler: async (raw) => {
    const argv: ModelArgs = raw;
    const spec = parseSpec(argv);
    const startMs = performance.now();
    let path: string;
    let sha256: string;
    let note = "";
    if (argv.out !== undefined) {
      path = resolve(argv.out);
      ({ sha256 } = await writeGeneratedModel(spec, path, { what: "the model (--out)" }));
    } else {
      const ensured = await ensureModel(spec);
      ({ path, sha256 } = ensured);
      if (ensured.reused) note = " (already present, verified)";
    }
    const seconds = ((performance.now() - startMs) / 1000).toFixed(2);
    process.stdout.write(`${path}${note}\nsha256 ${sha256}\n${seconds} s\n`);
    process.exitCode = EXIT.ok;
  },
};
