import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateGates } from "../../src/analysis/gates.js";
import type { GateOutcome } from "../../src/results/verdicts.js";
import { annotationLines, emitCiOutputs, stepSummary } from "../../src/report/ci.js";
import { junitXml, writeJunit, xmlEscape } from "../../src/report/junit.js";
import { CHARTS_BEGIN, writeReport } from "../../src/report/markdown.js";
import { fixturePath, loadFixture, parseXml, walk } from "./helpers.js";

describe("JUnit XML", () => {
  it("has one test case per gate outcome and a failure per failed gate", () => {
    const f = loadFixture("faulted");
    const outcomes = evaluateGates(f);
    const root = parseXml(junitXml(f, outcomes));
    expect(root.name).toBe("testsuites");
    const cases = [...walk(root)].filter((e) => e.name === "testcase");
    expect(cases).toHaveLength(outcomes.length);
    expect(Number(root.attrs["tests"])).toBe(outcomes.length);
    const failures = [...walk(root)].filter((e) => e.name === "failure");
    expect(failures).toHaveLength(outcomes.filter((o) => o.status === "fail").length);
    expect(Number(root.attrs["failures"])).toBe(failures.length);
    expect(failures.map((x) => x.attrs["type"])).toContain("residual");
    const warned = cases.filter((c) => c.children.some((x) => x.name === "system-out"));
    expect(warned).toHaveLength(outcomes.filter((o) => o.status === "warn").length);
    const suite = root.children[0]!;
    expect(suite.attrs["name"]).toBe("resnet-trt/sawtooth/fp16");
    expect(cases.find((c) => c.attrs["name"] === "run · persistent")!.attrs["time"]).toMatch(/^\d+\.\d{3}$/);
  });

  it("escapes markup and strips characters XML cannot hold", () => {
    const f = loadFixture("clean-pass");
    const nasty = `a < b && c > "d" 'e' \u0001\u001b[31m`;
    const outcomes: GateOutcome[] = [
      { gate: "leak", status: "fail", run: "x<y>&z", strategy: "scoped", message: nasty },
    ];
    const root = parseXml(junitXml(f, outcomes));
    const failure = [...walk(root)].find((e) => e.name === "failure")!;
    expect(failure.attrs["message"]).toBe(`a < b && c > "d" 'e' \uFFFD\uFFFD[31m`);
    expect(failure.text).toBe(failure.attrs["message"]);
    expect([...walk(root)].find((e) => e.name === "testsuite")!.attrs["name"]).toBe("x<y>&z");
    expect(xmlEscape("&<>\"'")).toBe("&amp;&lt;&gt;&quot;&apos;");
  });

  it("writes the file (creating its folder)", () => {
    const dir = mkdtempSync(join(tmpdir(), "vramgate-junit-"));
    const f = loadFixture("leak-persistent");
    const path = join(dir, "sub", "junit.xml");
    writeJunit(path, f, evaluateGates(f));
    expect(parseXml(readFileSync(path, "utf8")).name).toBe("testsuites");
  });
});

describe("GitHub Actions outputs", () => {
  it("annotate failed and warned gates on the scenario file, escaping workflow-command syntax", () => {
    const f = loadFixture("faulted");
    f.runs[0]!.file = "/repo/scenarios/resnet-trt.yaml";
    const outcomes = evaluateGates(f);
    outcomes.push({
      gate: "leak",
      status: "warn",
      run: f.runs[0]!.key,
      strategy: "scoped",
      message: "50% of it\nsecond line",
    });
    const lines = annotationLines(f, outcomes, "/repo");
    const fails = outcomes.filter((o) => o.status === "fail").length;
    const warns = outcomes.filter((o) => o.status === "warn").length;
    expect(lines).toHaveLength(fails + warns);
    expect(
      lines.slice(0, fails).every((l) => l.startsWith("::error file=scenarios/resnet-trt.yaml,title=vramgate ")),
    ).toBe(true);
    expect(lines.slice(fails).every((l) => l.startsWith("::warning "))).toBe(true);
    expect(lines[lines.length - 1]).toBe(
      "::warning file=scenarios/resnet-trt.yaml,title=vramgate leak gate (scoped)::resnet-trt/sawtooth/fp16: 50%25 of it%0Asecond line",
    );
    for (const l of lines) expect(l).not.toContain("\n");
  });

  it("leave out file= for a scenario outside the workspace", () => {
    const f = loadFixture("faulted");
    f.runs[0]!.file = "/elsewhere/s.yaml";
    const lines = annotationLines(f, evaluateGates(f), "/repo");
    expect(lines[0]).toMatch(/^::error title=/);
  });

  it("append the report to the step summary with charts replaced by a pointer, and print annotations only in Actions", () => {
    const dir = mkdtempSync(join(tmpdir(), "vramgate-ci-"));
    const resultsPath = join(dir, "run.json");
    writeFileSync(resultsPath, readFileSync(fixturePath("leak-persistent")));
    const f = loadFixture("leak-persistent");
    const outcomes = evaluateGates(f);
    const report = writeReport(resultsPath, f, outcomes);
    const summary = join(dir, "summary.md");
    writeFileSync(summary, "earlier step\n");
    const printed: string[] = [];
    emitCiOutputs(f, outcomes, report, {
      env: { GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: "true", GITHUB_WORKSPACE: dir },
      write: (t) => printed.push(t),
    });
    const text = readFileSync(summary, "utf8");
    expect(text.startsWith("earlier step\n# vramgate: FAIL")).toBe(true);
    expect(text).not.toContain("![");
    expect(text).not.toContain(CHARTS_BEGIN);
    expect(text).toContain(`_Charts: see \`${report}\``);
    // run.file is already repository-relative in this fixture.
    expect(printed.join("")).toMatch(
      /^::error file=scenarios\/resnet-arena\.yaml,title=vramgate leak gate \(persistent\)::resnet-arena\/random\/fp16: persistent/,
    );

    const quiet: string[] = [];
    emitCiOutputs(f, outcomes, report, { env: {}, write: (t) => quiet.push(t) });
    expect(quiet).toHaveLength(0);
  });

  it("cut a summary above GitHub's 1 MiB limit", () => {
    const big = `# x\n${"y".repeat(1_200_000)}`;
    const s = stepSummary(big, "r.md");
    expect(Buffer.byteLength(s)).toBeLessThan(1_048_576);
    expect(s).toContain("cut at GitHub's step-summary size limit");
  });
});
