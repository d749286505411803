import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILE, scenarioJsonSchema, scenarioJsonSchemaText } from "../../src/scenarios/json-schema.js";
import { ENGINES, STRATEGIES } from "../../src/scenarios/types.js";

describe("schema/scenario.schema.json", () => {
  it("is what the zod schema generates (regenerate: npx tsx scripts/gen-schema.ts)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(scenarioJsonSchemaText());
  });

  it("describes the file as written: required fields, closed mappings, enums", () => {
    const s = scenarioJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { enum?: string[]; items?: { enum?: string[] } }>;
    };
    expect(s.required.sort()).toEqual(["engine", "name", "profile"]);
    // model is required unless engine is process (which requires its process section).
    const rule = (s as unknown as { allOf: Array<{ if: unknown; then: unknown; else?: unknown }> }).allOf[0]!;
    expect(rule).toEqual({
      if: { properties: { engine: { const: "process" } }, required: ["engine"] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keywords
      then: { required: ["process"] },
      else: { required: ["model"] },
    });
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.engine!.enum).toEqual([...ENGINES]);
    expect(s.properties.strategies!.items!.enum).toEqual([...STRATEGIES]);
  });
});
