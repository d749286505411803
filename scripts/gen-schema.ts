/**
 * Regenerates schema/scenario.schema.json from src/scenarios/schema.ts.
 * Run: npx tsx scripts/gen-schema.ts   (test/scenarios/json-schema.test.ts fails while it is stale)
 */
import { writeFileSync } from "node:fs";
import { SCHEMA_FILE, scenarioJsonSchemaText } from "../src/scenarios/json-schema.js";

writeFileSync(SCHEMA_FILE, scenarioJsonSchemaText());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
