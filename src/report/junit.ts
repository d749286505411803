/**
 * `--junit FILE`: gate outcomes as JUnit XML, which CI systems (GitHub test reporters,
 * GitLab, Jenkins) show as tests. One test suite per scenario run, one test case per gate
 * outcome; a failed gate is a <failure>, a warned gate passes with its warning in
 * <system-out> (JUnit has no "warning" state).
 */
import type { GateOutcome } from "../results/verdicts.js";
import type { ResultsFile } from "../results/types.js";
import { writeFileAtomic } from "../io/atomic-write.js";

/** Characters XML 1.0 cannot carry at all (control characters, lone surrogates) become U+FFFD. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escape text for an XML attribute value or element content. */
export function xmlEscape(s: string): string {
  return s
    .replace(NOT_XML, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const attrs = (a: Record<string, string | number>): string =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join("");

export function junitXml(results: ResultsFile, outcomes: readonly GateOutcome[]): string {
  // Suites in run order; outcomes that name no run go into a suite of their own.
  const suites = new Map<string, GateOutcome[]>();
  for (const r of results.runs) suites.set(r.key, []);
  for (const o of outcomes) {
    const key = o.run ?? "vramgate";
    if (!suites.has(key)) suites.set(key, []);
    suites.get(key)!.push(o);
  }
  const durations = new Map<string, number>();
  for (const r of results.runs)
    for (const s of r.strategies) durations.set(`${r.key}\u0000${s.strategy}`, s.durationMs / 1000);

  const failures = outcomes.filter((o) => o.status === "fail").length;
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(
    `<testsuites${attrs({ name: `vramgate ${results.runId}`, tests: outcomes.length, failures, errors: 0, skipped: 0 })}>`,
  );
  for (const [key, list] of suites) {
    if (list.length === 0) continue;
    const suiteFailures = list.filter((o) => o.status === "fail").length;
    lines.push(
      `  <testsuite${attrs({ name: key, tests: list.length, failures: suiteFailures, errors: 0, skipped: 0, timestamp: results.createdAt.replace(/Z$/, "") })}>`,
    );
    for (const o of list) {
      const time = o.strategy && o.run ? (durations.get(`${o.run}\u0000${o.strategy}`) ?? 0) : 0;
      const name = `${o.gate}${o.strategy ? ` · ${o.strategy}` : ""}`;
      const head = `    <testcase${attrs({ classname: `vramgate.${key}`, name, time: time.toFixed(3) })}`;
      if (o.status === "pass") {
        lines.push(`${head}/>`);
      } else if (o.status === "fail") {
        lines.push(
          `${head}>`,
          `      <failure${attrs({ message: o.message, type: o.gate })}>${xmlEscape(o.message)}</failure>`,
          "    </testcase>",
        );
      } else {
        lines.push(
          `${head}>`,
          `      <system-out>${xmlEscape(`WARNING: ${o.message}`)}</system-out>`,
          "    </testcase>",
        );
      }
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>");
  return `${lines.join("\n")}\n`;
}

/** Write the JUnit XML atomically (creating the folder). */
export function writeJunit(path: string, results: ResultsFile, outcomes: readonly GateOutcome[]): void {
  writeFileAtomic(path, junitXml(results, outcomes), {
    what: "the JUnit report (--junit)",
    advice: "Choose another --junit path.",
  });
}
