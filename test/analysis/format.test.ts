import { describe, expect, it } from "vitest";
import { formatBytes, formatBytesRange, formatCount, formatDuration } from "../../src/format.js";

describe("figures in explanations", () => {
  it("formats bytes, ranges, counts and durations", () => {
    expect(formatBytes(1024 * 1024)).toBe("1.00 MiB");
    expect(formatBytes(-1536)).toBe("−1.50 KiB");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytesRange(0.98 * 1048576, 1.05 * 1048576)).toBe("0.98–1.05 MiB");
    expect(formatBytesRange(-2048, 4096)).toBe("−2.00–4.00 KiB");
    expect(formatCount(7412.3)).toBe("7,412");
    expect(formatDuration(0.25)).toBe("250 ms");
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(31 * 60)).toBe("31 min");
    expect(formatDuration(5.2 * 3600)).toBe("5.2 h");
    expect(formatDuration(3 * 86400)).toBe("3.0 days");
    expect(formatDuration(Infinity)).toBe("∞");
  });
});
