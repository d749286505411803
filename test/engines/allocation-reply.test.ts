/** The traceAllocations stop reply's allocationSites, validated field by field (docs/protocol.md). */
import { describe, expect, it } from "vitest";
import { parseAllocationSites } from "../../src/engines/process/allocation-reply.js";
import { ProtocolViolation } from "../../src/engines/process/protocol.js";

const SITE = { file: "/w/worker.py", line: 33, function: "infer", bytes: 3145728, count: 1 };

describe("parseAllocationSites", () => {
  it("keeps the sites, totals and snapshot path", () => {
    const v = { snapshotFile: "/r/x.pickle", sites: [SITE], bytes: 4000000, count: 3 };
    expect(parseAllocationSites(v)).toEqual(v);
  });

  it("leaves snapshotFile out when the worker saved none", () => {
    expect(parseAllocationSites({ snapshotFile: null, sites: [], bytes: 0, count: 0 })).toEqual({
      sites: [],
      bytes: 0,
      count: 0,
    });
  });

  it.each([
    [
      { sites: [{ ...SITE, line: -1 }], bytes: 0, count: 0 },
      '"allocationSites.sites[0].line" must be a non-negative integer, got -1',
    ],
    [{ sites: [{ ...SITE, file: 7 }], bytes: 0, count: 0 }, '"allocationSites.sites[0].file" must be a string, got 7'],
    [{ sites: "x", bytes: 0, count: 0 }, '"allocationSites.sites" must be an array, got "x"'],
    [{ sites: [], bytes: 1.5, count: 0 }, '"allocationSites.bytes" must be a non-negative integer, got 1.5'],
    [undefined, 'expected "allocationSites" to be an object, got nothing'],
  ])("refuses %j naming the field", (v, message) => {
    expect(() => parseAllocationSites(v)).toThrow(ProtocolViolation);
    expect(() => parseAllocationSites(v)).toThrow(message);
  });
});
