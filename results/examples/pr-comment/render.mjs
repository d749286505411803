// Renders pr-comment.md with markdown-it (CommonMark + GFM tables, raw HTML on as GitHub
// allows <details>) into a GitHub-like page, then screenshots it with headless Chromium.
// Usage (markdown-it is not a vramgate dependency):
//   mkdir -p /tmp/md && (cd /tmp/md && npm install markdown-it@15.0.3)
//   NODE_PATH=/tmp/md/node_modules node results/examples/pr-comment/render.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const MarkdownIt = require("markdown-it");
const here = dirname(fileURLToPath(import.meta.url));
const md = new MarkdownIt({ html: true, linkify: true });
const css = `body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#1f2328;max-width:1000px;margin:24px auto;padding:16px;border:1px solid #d0d7de;border-radius:6px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d0d7de;padding:6px 13px}tr:nth-child(2n){background:#f6f8fa}
code{background:rgba(175,184,193,.2);padding:.2em .4em;border-radius:6px;font-size:85%}h3{margin-top:0}em{color:#59636e}`;
for (const [name, open] of [["pr-comment.png", false], ["pr-comment-details.png", true]]) {
  let body = md.render(readFileSync(join(here, "pr-comment.md"), "utf8"));
  if (open) body = body.replace("<details>", "<details open>");
  const dir = mkdtempSync(join(tmpdir(), "vramgate-pr-"));
  const html = join(dir, "c.html");
  writeFileSync(html, `<!doctype html><meta charset="utf-8"><style>${css}</style>${body}`);
  execFileSync("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", `--user-data-dir=${join(dir, "p")}`,
    `--screenshot=${join(here, name)}`, `--window-size=1100,${open ? 900 : 560}`, pathToFileURL(html).href], { stdio: "ignore" });
  console.log(`wrote ${name}`);
}
