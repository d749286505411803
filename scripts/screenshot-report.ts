/**
 * Renders a vramgate markdown report (and its SVG charts) to a PNG with headless Chromium:
 *   npx tsx scripts/screenshot-report.ts REPORT.md OUT.png [WIDTHxHEIGHT]
 * Renders the markdown as the screenshot test does: marked + GitHub's markdown CSS.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { markdownPage, screenshotHtml } from "../test/report/helpers.js";

const [md, out, size = "1200x2000"] = process.argv.slice(2);
if (!md || !out) {
  console.error("usage: npx tsx scripts/screenshot-report.ts REPORT.md OUT.png [WIDTHxHEIGHT]");
  process.exit(2);
}
const html = join(dirname(resolve(md)), `.${Date.now()}.screenshot.html`);
writeFileSync(html, markdownPage(readFileSync(md, "utf8"), "vramgate report"));
const profile = mkdtempSync(join(tmpdir(), "vramgate-chromium-"));
const [width, height] = size.split("x").map(Number) as [number, number];
screenshotHtml(html, resolve(out), { width, height }, profile);
execFileSync("rm", ["-f", html]);
console.log(`wrote ${out}`);
