/**
 * The `allocationSites` field of a `traceAllocations` stop reply (docs/protocol.md),
 * validated: a worker's figures reach results and reports, so every field is checked.
 */
import type { AllocationSite, AllocationSites } from "../allocation-sites.js";
import { ProtocolViolation } from "./protocol.js";

function count(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
    throw new ProtocolViolation(
      `traceAllocations reply: "${what}" must be a non-negative integer, got ${JSON.stringify(v) ?? "nothing"}`,
    );
  return v;
}

function text(v: unknown, what: string): string {
  if (typeof v !== "string")
    throw new ProtocolViolation(
      `traceAllocations reply: "${what}" must be a string, got ${JSON.stringify(v) ?? "nothing"}`,
    );
  return v;
}

/** Parses the reply's `allocationSites` object; throws ProtocolViolation naming the bad field. */
export function parseAllocationSites(v: unknown): AllocationSites {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new ProtocolViolation(
      `traceAllocations reply: expected "allocationSites" to be an object, got ${JSON.stringify(v) ?? "nothing"}`,
    );
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o.sites))
    throw new ProtocolViolation(
      `traceAllocations reply: "allocationSites.sites" must be an array, got ${JSON.stringify(o.sites) ?? "nothing"}`,
    );
  const sites: AllocationSite[] = o.sites.map((s: unknown, i) => {
    const r = (typeof s === "object" && s !== null ? s : {}) as Record<string, unknown>;
    const at = `allocationSites.sites[${i}]`;
    return {
      file: text(r.file, `${at}.file`),
      line: count(r.line, `${at}.line`),
      function: text(r.function, `${at}.function`),
      bytes: count(r.bytes, `${at}.bytes`),
      count: count(r.count, `${at}.count`),
    };
  });
  const out: AllocationSites = {
    sites,
    bytes: count(o.bytes, "allocationSites.bytes"),
    count: count(o.count, "allocationSites.count"),
  };
  if (o.snapshotFile !== undefined && o.snapshotFile !== null)
    out.snapshotFile = text(o.snapshotFile, "allocationSites.snapshotFile");
  return out;
}
