/**
 * The container PID check on synthetic NVML readings, and the device-level figures that
 * replace the per-process ones when NVML cannot see the child.
 */
import { describe, expect, it } from "vitest";
import {
  checkPidNamespace,
  DeviceLevelFigures,
  MIN_CONTEXT_BYTES,
  type PidCheckInput,
} from "../../src/run/pid-namespace.js";

const MiB = 1024 * 1024;
const base: PidCheckInput = {
  ownPids: [4242],
  listedPids: [],
  listedAtRunStart: [],
  deviceBeforeBytes: 1024 * MiB,
  deviceNowBytes: 1024 * MiB,
  processBytes: 0,
};

describe("checkPidNamespace", () => {
  it("keeps per-process figures when NVML lists the child's PID", () => {
    expect(
      checkPidNamespace({ ...base, listedPids: [4242], deviceNowBytes: 1524 * MiB, processBytes: 500 * MiB }),
    ).toEqual({
      mode: "process",
    });
    // Listed with 0 bytes (the figure not yet updated) still means NVML sees it.
    expect(checkPidNamespace({ ...base, listedPids: [77, 4242], deviceNowBytes: 1524 * MiB })).toEqual({
      mode: "process",
    });
  });

  it("falls back when the device grew by a context but no PID is ours or new", () => {
    const r = checkPidNamespace({ ...base, listedPids: [], deviceNowBytes: 1024 * MiB + 500 * MiB });
    expect(r).toEqual({ mode: "device-level", reason: "pid-not-listed", idle: true, listedPids: [] });
  });

  it("falls back when a PID appeared with the child but it is not ours (host namespace)", () => {
    const r = checkPidNamespace({ ...base, listedPids: [981234], deviceNowBytes: 1524 * MiB });
    expect(r).toMatchObject({ mode: "device-level", reason: "foreign-pids-only", idle: true, listedPids: [981234] });
  });

  it("says the GPU was not idle when another process was on it before the run", () => {
    const r = checkPidNamespace({
      ...base,
      listedAtRunStart: [555],
      listedPids: [555, 981234],
      deviceNowBytes: 1524 * MiB,
    });
    expect(r).toMatchObject({ mode: "device-level", reason: "foreign-pids-only", idle: false });
  });

  it("concludes nothing when the child made no CUDA context (CPU engine) or NVML could not be read", () => {
    expect(checkPidNamespace({ ...base, listedAtRunStart: [555], listedPids: [555] })).toEqual({ mode: "process" });
    expect(checkPidNamespace({ ...base, deviceNowBytes: base.deviceBeforeBytes + MIN_CONTEXT_BYTES - 1 })).toEqual({
      mode: "process",
    });
    expect(checkPidNamespace({ ...base, listedPids: undefined, deviceNowBytes: 4096 * MiB })).toEqual({
      mode: "process",
    });
    expect(checkPidNamespace({ ...base, deviceBeforeBytes: Number.NaN, deviceNowBytes: 4096 * MiB })).toEqual({
      mode: "process",
    });
  });
});

describe("DeviceLevelFigures", () => {
  it("counts device growth only inside the strategy's own call windows", () => {
    const f = new DeviceLevelFigures(500 * MiB);
    // Before any window: what it held when decided.
    expect([...f.map([10, 20], [2000 * MiB, 2000 * MiB])]).toEqual([500 * MiB, 500 * MiB]);
    f.open(25);
    // Its calls grow the device by 10 MiB.
    expect([...f.map([30, 40], [2005 * MiB, 2010 * MiB])]).toEqual([505 * MiB, 510 * MiB]);
    f.close(45);
    // A sibling's calls grow the device by 100 MiB: not this strategy's.
    expect([...f.map([50, 60], [2060 * MiB, 2110 * MiB])]).toEqual([510 * MiB, 510 * MiB]);
    f.open(65);
    expect([...f.map([70, 80], [2111 * MiB, 2112 * MiB])]).toEqual([511 * MiB, 512 * MiB]);
    f.close(85);
    expect([...f.map([90], [2112 * MiB])]).toEqual([512 * MiB]);
  });

  it("a strategy whose device use stays flat stays flat while a sibling leaks", () => {
    const f = new DeviceLevelFigures(300 * MiB);
    const own: number[] = [];
    let dev = 4000 * MiB;
    let t = 0;
    for (let round = 0; round < 5; round++) {
      f.open(t++);
      own.push(...f.map([t++, t++], [dev, dev]));
      f.close(t++);
      dev += 64 * MiB; // the sibling's turn: it leaks 64 MiB
      own.push(...f.map([t++], [dev]));
    }
    expect(new Set(own)).toEqual(new Set([300 * MiB]));
  });
});
