import { describe, expect, it } from "vitest";
import { MAX_EVENTS, ShapeTracker } from "../../src/run/shape-tracker.js";

const KiB = 1024;
const sig = (v: number) => ({ usedBytes: v });

describe("ShapeTracker", () => {
  it("owns growth at first-seen shapes by the event and leaves repeats flat", () => {
    const t = new ShapeTracker();
    t.warmup("a", sig(1000 * KiB));
    let level = 1000 * KiB;
    const shapes = ["a", "b", "a", "c", "b", "a", "d", "a", "a", "c"];
    shapes.forEach((s, i) => {
      if (!["a"].includes(s) && shapes.indexOf(s) === i) level += 80 * KiB; // new shape
      t.measured(i, i, s, 1, sig(level));
    });
    const st = t.toJSON();
    expect(st.distinctShapes).toBe(4);
    expect(st.newShapeCalls).toBe(3); // b, c, d ("a" was seen in warm-up)
    expect(st.events.iteration).toEqual([1, 3, 6]);
    expect(st.events.bytes.usedBytes).toEqual([80 * KiB, 80 * KiB, 80 * KiB]);
    expect(st.eventBytesTotal.usedBytes).toBe(240 * KiB);
    // Every repeat point sits at the starting level: the steps at new shapes are removed.
    expect(new Set(st.repeatSeries.signals.usedBytes!.max)).toEqual(new Set([1000 * KiB]));
  });

  it("attributes growth that lands one call late to the new shape, and a transient spike to nobody", () => {
    const t = new ShapeTracker(1);
    t.warmup("a", sig(0));
    t.measured(0, 0, "b", 1, sig(0)); // new shape; its growth shows on the next call
    t.measured(1, 1, "a", 1, sig(64 * KiB));
    t.measured(2, 2, "a", 1, sig(64 * KiB + 4 * KiB * 1024)); // spike on a repeat
    t.measured(3, 3, "a", 1, sig(64 * KiB));
    const st = t.toJSON();
    expect(st.events.bytes.usedBytes).toEqual([64 * KiB]);
    expect(st.repeatCalls).toBe(2);
    const max = st.repeatSeries.signals.usedBytes!.max;
    expect(max[max.length - 1]).toBe(0); // back to the start once the spike is gone
  });

  it("keeps a leak on repeated shapes in the repeat series", () => {
    const t = new ShapeTracker();
    t.warmup("a", sig(0));
    for (let i = 0; i < 100; i++)
      t.measured(i, i, i % 10 === 0 ? `new${i}` : "a", 1, sig(256 * KiB * (i + 1) + (i % 10 === 0 ? 0 : 0)));
    const st = t.toJSON();
    const max = st.repeatSeries.signals.usedBytes!.max;
    // Repeat calls own 256 KiB each: the repeat series climbs by that per point.
    expect(max[max.length - 1]! - max[0]!).toBe(256 * KiB * (st.repeatCalls - 1));
  });

  it("bounds the event list and keeps the totals of dropped events", () => {
    const t = new ShapeTracker(0);
    t.warmup("x", sig(0));
    const n = MAX_EVENTS + 10;
    for (let i = 0; i < n; i++) t.measured(i, i, `s${i}`, 1, sig(i + 1));
    const st = t.toJSON();
    expect(st.events.iteration.length).toBe(MAX_EVENTS);
    expect(st.eventsDropped).toBe(10);
    expect(st.eventBytesTotal.usedBytes).toBe(n);
  });

  it("samples latency of new-shape and repeat calls separately", () => {
    const t = new ShapeTracker();
    for (let i = 0; i < 50; i++) t.measured(i, i, `s${i % 5}`, i % 5 === i ? 60 : 2, sig(0));
    const st = t.toJSON();
    expect(st.latencyMs.newShape).toEqual([60, 60, 60, 60, 60]);
    expect(st.latencyMs.repeat.every((x) => x === 2)).toBe(true);
    expect(st.latencyMs.repeat.length).toBe(45);
  });
});
