import { describe, expect, it } from "vitest";
import { lineChart, niceTicks, overlayChart, strategyChart } from "../../src/report/svg.js";
import { loadFixture, parseXml, walk, type XmlElement } from "./helpers.js";

const FIXTURE_NAMES = ["leak-persistent", "faulted", "clean-pass", "clean-regressed"];

/** Every number in every coordinate-bearing attribute. */
function coordinates(root: XmlElement): number[] {
  const out: number[] = [];
  for (const el of walk(root)) {
    for (const [k, v] of Object.entries(el.attrs)) {
      if (k === "d") {
        expect(v).toMatch(/^M [-\d. LZ]+$/);
        out.push(
          ...v
            .split(/[ MLZ]+/)
            .filter(Boolean)
            .map(Number),
        );
      } else if (["x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "width", "height"].includes(k)) out.push(Number(v));
    }
  }
  return out;
}

function checkSvg(svg: string): XmlElement {
  const root = parseXml(svg);
  expect(root.name).toBe("svg");
  expect(root.attrs["xmlns"]).toBe("http://www.w3.org/2000/svg");
  const w = Number(root.attrs["width"]);
  const h = Number(root.attrs["height"]);
  expect(w).toBeGreaterThan(0);
  expect(h).toBeGreaterThan(0);
  expect(root.attrs["viewBox"]).toBe(`0 0 ${w} ${h}`);
  const nums = coordinates(root);
  expect(nums.length).toBeGreaterThan(20);
  for (const n of nums) expect(Number.isFinite(n)).toBe(true);
  // Nothing GitHub's <img> sanitiser would block or that needs the network.
  for (const el of walk(root)) {
    expect(["script", "foreignObject", "image", "style", "a"]).not.toContain(el.name);
    expect(Object.keys(el.attrs).some((k) => k.startsWith("on") || k.includes("href"))).toBe(false);
  }
  expect(svg).not.toMatch(/NaN|Infinity|url\(|@import/);
  return root;
}

describe("SVG charts", () => {
  for (const name of FIXTURE_NAMES) {
    it(`are well-formed with finite coordinates for every strategy of ${name}`, () => {
      const f = loadFixture(name);
      for (const run of f.runs) {
        checkSvg(overlayChart(run)!);
        for (const s of run.strategies) checkSvg(strategyChart(run, s)!);
      }
    });
  }

  it("draw the fitted leak slope (dashed) only for a leak verdict, over the data's own y range", () => {
    const run = loadFixture("leak-persistent").runs[0]!;
    const leak = parseXml(strategyChart(run, run.strategies[0]!)!);
    const dashed = [...walk(leak)].filter((e) => e.name === "path" && e.attrs["stroke-dasharray"]);
    expect(dashed).toHaveLength(1);
    const plateau = parseXml(strategyChart(run, run.strategies[1]!)!);
    expect([...walk(plateau)].filter((e) => e.name === "path" && e.attrs["stroke-dasharray"])).toHaveLength(0);
    // Band (filled) + line for the plateau chart.
    expect([...walk(plateau)].filter((e) => e.name === "path" && e.attrs["fill"] !== "none")).toHaveLength(1);
  });

  it("mark where a strategy ran out of memory", () => {
    const run = loadFixture("faulted").runs[0]!;
    const svg = strategyChart(run, run.strategies[0]!)!;
    expect(svg).toContain(">out of memory</text>");
  });

  it("drop non-finite points, escape text, and draw a lone point as a dot", () => {
    const svg = lineChart({
      title: `a <b> & "c"`,
      xLabel: "x",
      yLabel: "y",
      lines: [
        {
          label: "gaps",
          color: "#123456",
          x: [0, 1, 2, 3],
          y: [1, NaN, Infinity, 2],
          band: { low: [0, 0, NaN, 1], high: [2, 2, 2, 3] },
        },
        { label: "one", color: "#654321", x: [5], y: [4] },
      ],
    });
    const root = checkSvg(svg);
    expect([...walk(root)].find((e) => e.name === "title")!.text).toBe(`a <b> & "c"`);
    expect([...walk(root)].filter((e) => e.name === "circle")).toHaveLength(1);
  });

  it("still render an empty chart without NaN", () => {
    checkSvg(
      lineChart({
        title: "empty",
        xLabel: "x",
        yLabel: "y",
        lines: [{ label: "none", color: "#000000", x: [], y: [] }],
      }),
    );
  });
});

describe("niceTicks", () => {
  const cases: Array<[number, number]> = [
    [0, 1999],
    [1750.3, 4573.8],
    [0.001, 0.0042],
    [-3.2, 7.9],
    [5, 5],
    [0, 0],
    [2300, 22060],
    [41.2, 41.9],
  ];
  for (const [lo, hi] of cases) {
    it(`cover [${lo}, ${hi}] with 1/2/5 × 10^k steps`, () => {
      const t = niceTicks(lo, hi, 5);
      expect(t.length).toBeGreaterThanOrEqual(2);
      expect(t.length).toBeLessThanOrEqual(12);
      expect(t[0]!).toBeLessThanOrEqual(lo);
      expect(t[t.length - 1]!).toBeGreaterThanOrEqual(hi);
      const step = t[1]! - t[0]!;
      const mant = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      expect([1, 2, 5, 10].some((m) => Math.abs(mant - m) < 1e-6)).toBe(true);
      for (let k = 1; k < t.length; k++) expect(t[k]! - t[k - 1]!).toBeCloseTo(step, 9);
    });
  }
});
