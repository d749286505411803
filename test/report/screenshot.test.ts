/**
 * Renders a written report in headless Chromium as GitHub would show it (markdown → HTML by
 * marked, GitHub's markdown CSS from github-markdown-css, charts as <img> of the real SVG
 * files) and checks the screenshot is a real, non-blank picture with the charts' colours in it. Needs `chromium` on PATH (Debian:
 * apt-get install -y chromium); skipped, saying so, where it is absent.
 * VRAMGATE_SCREENSHOT_OUT=path.png keeps a copy of the screenshot.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateGates } from "../../src/analysis/gates.js";
import { writeReport } from "../../src/report/markdown.js";
import { decodePng, fixturePath, loadFixture, markdownPage, screenshotHtml } from "./helpers.js";

function findChromium(): string | undefined {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

const chromium = findChromium();
const WIDTH = 1200;
const HEIGHT = 1600;

describe.skipIf(!chromium)(
  chromium
    ? "report screenshot (headless Chromium)"
    : "report screenshot — SKIPPED: chromium not found on PATH (apt-get install -y chromium)",
  () => {
    it("renders the report with its charts as a non-blank 1200×1600 PNG", () => {
      const dir = mkdtempSync(join(tmpdir(), "vramgate-shot-"));
      const resultsPath = join(dir, "leak-persistent.json");
      copyFileSync(fixturePath("leak-persistent"), resultsPath);
      const results = loadFixture("leak-persistent");
      const mdPath = writeReport(resultsPath, results, evaluateGates(results));
      const htmlPath = join(dir, "leak-persistent.html");
      const html = markdownPage(readFileSync(mdPath, "utf8"), "vramgate report");
      // marked rendered the report's structure (tables, the charts as images), GitHub's CSS styles it.
      expect(html).toContain('<article class="markdown-body">');
      expect(html).toMatch(/<table>[\s\S]*<th[\s\S]*<\/table>/);
      expect(html).toMatch(/<img [^>]*src="[^"]+\.svg"/);
      expect(html).toContain(".markdown-body table");
      writeFileSync(htmlPath, html);
      const png = join(dir, "shot.png");

      screenshotHtml(htmlPath, png, { width: WIDTH, height: HEIGHT }, join(dir, "profile"), chromium!);

      expect(existsSync(png)).toBe(true);
      const buf = readFileSync(png);
      const img = decodePng(buf);
      expect([img.width, img.height]).toEqual([WIDTH, HEIGHT]);
      // A blank white page compresses to a few KiB.
      expect(statSync(png).size).toBeGreaterThan(20_000);

      let nonWhite = 0;
      let chartRed = 0;
      let chartBlue = 0;
      const colours = new Set<number>();
      for (let p = 0; p < img.width * img.height; p++) {
        const r = img.rgba[p * 4]!;
        const g = img.rgba[p * 4 + 1]!;
        const b = img.rgba[p * 4 + 2]!;
        if (r < 240 || g < 240 || b < 240) nonWhite++;
        colours.add((r << 16) | (g << 8) | b);
        // Persistent (#d62728) and scoped (#1f77b4) lines of the overlay chart, with antialiasing slack.
        if (Math.abs(r - 0xd6) < 24 && Math.abs(g - 0x27) < 40 && Math.abs(b - 0x28) < 40) chartRed++;
        if (Math.abs(r - 0x1f) < 30 && Math.abs(g - 0x77) < 30 && Math.abs(b - 0xb4) < 30) chartBlue++;
      }
      const fraction = nonWhite / (img.width * img.height);
      expect(fraction).toBeGreaterThan(0.03);
      expect(fraction).toBeLessThan(0.9);
      expect(colours.size).toBeGreaterThan(50);
      expect(chartRed).toBeGreaterThan(200);
      expect(chartBlue).toBeGreaterThan(200);

      const keep = process.env.VRAMGATE_SCREENSHOT_OUT;
      if (keep) copyFileSync(png, keep);
    });

    it("shows a sweep's Pareto chart at the top of its report", () => {
      const dir = mkdtempSync(join(tmpdir(), "vramgate-shot-"));
      const resultsPath = join(dir, "sweep-ort-cpu.json");
      copyFileSync(fixturePath("sweep-ort-cpu"), resultsPath);
      const results = loadFixture("sweep-ort-cpu");
      const md = readFileSync(writeReport(resultsPath, results, evaluateGates(results)), "utf8");
      // The sweep's section (sentence, table, chart) comes right after the verdict.
      expect(md.indexOf("## Sweep: ort-sweep")).toBeLessThan(md.indexOf("\n## ort-sweep/"));
      const html = markdownPage(md, "vramgate sweep report");
      expect(html).toMatch(/<img [^>]*src="[^"]+-pareto\.svg"/);
      const htmlPath = join(dir, "sweep.html");
      writeFileSync(htmlPath, html);
      const png = join(dir, "sweep.png");
      screenshotHtml(htmlPath, png, { width: WIDTH, height: HEIGHT }, join(dir, "profile"), chromium!);
      const img = decodePng(readFileSync(png));
      expect([img.width, img.height]).toEqual([WIDTH, HEIGHT]);
      // The scatter's points: teardown (#ff7f0e) and persistent (#d62728) markers, drawn in the first screen.
      let orange = 0;
      let red = 0;
      for (let p = 0; p < img.width * img.height; p++) {
        const [r, g, b] = [img.rgba[p * 4]!, img.rgba[p * 4 + 1]!, img.rgba[p * 4 + 2]!];
        if (Math.abs(r - 0xff) < 20 && Math.abs(g - 0x7f) < 30 && Math.abs(b - 0x0e) < 40) orange++;
        if (Math.abs(r - 0xd6) < 24 && Math.abs(g - 0x27) < 40 && Math.abs(b - 0x28) < 40) red++;
      }
      const keep = process.env.VRAMGATE_SWEEP_SCREENSHOT_OUT;
      if (keep) copyFileSync(png, keep);
      expect(orange).toBeGreaterThan(100);
      expect(red).toBeGreaterThan(100);
    });
  },
);
