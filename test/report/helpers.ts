/**
 * Test helpers for the report tests: fixture loading, an XML well-formedness checker,
 * the report as a GitHub-styled HTML page (marked + github-markdown-css) and a PNG decoder.
 */
import { recommend } from "../../src/analysis/recommend.js";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inflateSync } from "node:zlib";
import { marked } from "marked";
import type { ResultsFile } from "../../src/results/types.js";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "results");

export function fixturePath(name: string): string {
  return join(FIXTURES, `${name}.json`);
}

/** A fresh deep copy of a fixture (tests may modify it). */
/**
 * A results fixture as the pipeline hands it to the renderers. The fixtures were written
 * before results stored the recommendation, so it is added here as analysis does
 * (analyzeResults → recommend) without re-judging the stored verdicts.
 */
export function loadFixture(name: string): ResultsFile {
  const results = JSON.parse(readFileSync(fixturePath(name), "utf8")) as ResultsFile;
  for (const run of results.runs) run.recommendation ??= recommend(run);
  return results;
}

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * Parse XML strictly enough to prove it well-formed: one root, balanced and properly
 * nested tags, quoted unique attributes, only the five predefined or numeric entities,
 * no raw `<` or `&` in text. Throws Error naming the offset of the first problem.
 */
export function parseXml(xml: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed XML at offset ${i}: ${why} (near ${JSON.stringify(xml.slice(i, i + 40))})`);
  };
  const checkText = (t: string): string => {
    if (t.includes("<")) fail("raw < in text");
    return t.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);|&/g, (_m, ent: string | undefined) => {
      if (!ent) return fail("bare &");
      if (ent.startsWith("#x")) return String.fromCodePoint(parseInt(ent.slice(2), 16));
      if (ent.startsWith("#")) return String.fromCodePoint(parseInt(ent.slice(1), 10));
      const map: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
      return map[ent] ?? fail(`unknown entity &${ent};`);
    });
  };
  const skipMisc = (): void => {
    for (;;) {
      while (i < xml.length && /\s/.test(xml[i]!)) i++;
      if (xml.startsWith("<?", i)) {
        const e = xml.indexOf("?>", i);
        if (e < 0) fail("unterminated <?");
        i = e + 2;
      } else if (xml.startsWith("<!--", i)) {
        const e = xml.indexOf("-->", i);
        if (e < 0) fail("unterminated comment");
        i = e + 3;
      } else return;
    }
  };
  const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
  const element = (): XmlElement => {
    if (xml[i] !== "<") fail("expected <");
    i++;
    const name = NAME.exec(xml.slice(i))?.[0] ?? fail("bad tag name");
    i += name.length;
    const el: XmlElement = { name, attrs: {}, children: [], text: "" };
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))![0].length;
      i += ws;
      if (xml.startsWith("/>", i)) {
        i += 2;
        return el;
      }
      if (xml[i] === ">") {
        i++;
        break;
      }
      if (ws === 0) fail("attributes must be separated by whitespace");
      const an = NAME.exec(xml.slice(i))?.[0] ?? fail("bad attribute name");
      i += an.length;
      if (xml[i] !== "=") fail("expected = after attribute name");
      i++;
      const q = xml[i];
      if (q !== '"' && q !== "'") fail("unquoted attribute value");
      const end = xml.indexOf(q!, i + 1);
      if (end < 0) fail("unterminated attribute value");
      if (an in el.attrs) fail(`duplicate attribute ${an}`);
      el.attrs[an] = checkText(xml.slice(i + 1, end));
      i = end + 1;
    }
    for (;;) {
      const lt = xml.indexOf("<", i);
      if (lt < 0) fail(`unclosed <${name}>`);
      el.text += checkText(xml.slice(i, lt));
      i = lt;
      if (xml.startsWith("<!--", i)) {
        const e = xml.indexOf("-->", i);
        if (e < 0) fail("unterminated comment");
        i = e + 3;
      } else if (xml.startsWith("</", i)) {
        const close = `</${name}>`;
        if (!xml.startsWith(close, i)) fail(`expected ${close}`);
        i += close.length;
        return el;
      } else el.children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== xml.length) fail("content after the root element");
  return root;
}

export function* walk(el: XmlElement): Generator<XmlElement> {
  yield el;
  for (const c of el.children) yield* walk(c);
}

const require = createRequire(import.meta.url);
/** GitHub's own CSS for rendered markdown (github-markdown-css, light theme: a fixed white page). */
const GITHUB_CSS = readFileSync(require.resolve("github-markdown-css/github-markdown-light.css"), "utf8");

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * The report's markdown as GitHub would show it: rendered by marked (GitHub-flavoured:
 * tables, raw HTML) and styled by GitHub's markdown CSS, in GitHub's layout (an
 * article.markdown-body, at most 980 px wide, 45 px padding). Relative image links (the
 * charts) resolve against wherever the page is written.
 */
export function markdownPage(md: string, title: string): string {
  const body = marked.parse(md, { gfm: true, async: false });
  const layout =
    ".markdown-body{box-sizing:border-box;min-width:200px;max-width:980px;margin:0 auto;padding:45px}" +
    "@media (max-width:767px){.markdown-body{padding:15px}}";
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${GITHUB_CSS}\n${layout}</style></head>
<body><article class="markdown-body">
${body}
</article></body></html>
`;
}

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 8 bits per channel, row-major. */
  rgba: Uint8Array;
}

/** Decode an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes), checking CRC-free structure. */
export function decodePng(buf: Buffer): DecodedPng {
  const SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!buf.subarray(0, 8).equals(SIG)) throw new Error("not a PNG: bad signature");
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString("latin1", off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      colorType = data[9]!;
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || data[12] !== 0)
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colorType}, interlace ${data[12]}`);
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    off += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data size ${raw.length} ≠ ${height} × ${stride + 1}`);
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[dst + x - bpp]! : 0;
      const b = y > 0 ? px[dst - stride + x]! : 0;
      const c = x >= bpp && y > 0 ? px[dst - stride + x - bpp]! : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter} in row ${y}`);
      px[dst + x] = (raw[src + x]! + pred) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    rgba[p * 4] = px[p * bpp]!;
    rgba[p * 4 + 1] = px[p * bpp + 1]!;
    rgba[p * 4 + 2] = px[p * bpp + 2]!;
    rgba[p * 4 + 3] = bpp === 4 ? px[p * bpp + 3]! : 255;
  }
  return { width, height, rgba };
}

/** Headless Chromium's screenshot of a local HTML page (the report test and scripts/screenshot-report.ts). */
export function screenshotHtml(
  htmlPath: string,
  pngPath: string,
  size: { width: number; height: number },
  profileDir: string,
  chromium = "chromium",
): void {
  execFileSync(
    chromium,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--hide-scrollbars",
      `--user-data-dir=${profileDir}`,
      `--screenshot=${pngPath}`,
      `--window-size=${size.width},${size.height}`,
      pathToFileURL(htmlPath).href,
    ],
    { stdio: "pipe", timeout: 90_000 },
  );
}
