/**
 * schema/scenario.schema.json, generated from the zod schema so the editor's view of a
 * scenario cannot drift from the validator's (a test compares the committed file).
 * Written for what users type: fields with defaults are optional.
 */
import * as z from "zod";
import { scenarioSchema } from "./schema.js";

export const SCHEMA_FILE = "schema/scenario.schema.json";

export function scenarioJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(scenarioSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: "vramgate scenario",
    description:
      "A vramgate benchmark scenario: model, shape profile, strategies to compare, run length and gates. See scenarios/README-fields.md.",
    ...rest,
    // Rules zod checks in resolve.ts, stated for editors: model is required except for the
    // process engine, which needs its process section; an engine section needs its engine.
    allOf: [
      {
        if: { properties: { engine: { const: "process" } }, required: ["engine"] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keywords
        then: { required: ["process"] },
        else: { required: ["model"] },
      },
      ...(["onnxruntime", "tensorrt", "libtorch", "process"] as const).map((section) => ({
        if: { required: [section] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keywords
        then: { properties: { engine: { const: section } } },
      })),
    ],
  };
}

/** The file's exact text: two-space JSON and a final newline. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
