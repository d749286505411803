/**
 * Allocation stacks end to end without PyTorch or a GPU: a process worker with a stand-in
 * `torch` (test/fixtures/workers/fake_torch_trace.py) run by the orchestrator with
 * traceAllocations on. The traced replay calls leave blocks alive in persistent (its context
 * keeps them) and none in scoped; the results carry the sites and the pickle sits next to
 * the results; the report names the worker's allocating line.
 */
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBench } from "../../src/run/orchestrator.js";
import { traceCalls } from "../../src/run/allocation-trace.js";
import { allocationMarkdown, allocationTerminal } from "../../src/report/allocation-sites.js";
import { WORKERS_DIR, processScenario } from "../engines/process-fixtures.js";

const WORKER = join(WORKERS_DIR, "fake_torch_trace.py");
const ALLOCATION_LINE =
  readFileSync(WORKER, "utf8")
    .split("\n")
    .findIndex((l) => l.includes("# ALLOCATION LINE")) + 1;

describe("traced calls", () => {
  it("are 10 to 100, and never more than the scenario's confirmation allows", () => {
    expect(traceCalls(400)).toBe(100);
    expect(traceCalls(5)).toBe(10);
    expect(traceCalls(150, 30)).toBe(30);
    expect(traceCalls(60, 1000)).toBe(60);
  });
});

describe("allocation stacks through the process engine", () => {
  it("records the sites of blocks the traced calls left alive, saves the snapshot, and the report names the line", async () => {
    const out = mkdtempSync(join(tmpdir(), "vramgate-alloc-"));
    const scenario = {
      ...processScenario({ command: ["python3", "fake_torch_trace.py"] }),
      model: { kind: "none" as const },
    };
    const { results } = await runBench({ scenarios: [scenario], outDir: out, traces: false, traceAllocations: true });
    const [persistent, scoped] = results.runs[0]!.strategies;
    expect(persistent!.state).toBe("completed");
    const a = persistent!.allocationSites!;
    if ("error" in a) throw new Error(`expected sites, got: ${a.error}`);
    // 10 traced calls (the scenario's iterations), one 4 KiB block each, all still held by the context.
    expect(a.calls).toBe(10);
    expect(a.count).toBe(10);
    expect(a.bytes).toBe(10 * 4096);
    expect(a.sites).toEqual([{ file: WORKER, line: ALLOCATION_LINE, function: "infer", bytes: 10 * 4096, count: 10 }]);
    expect(a.snapshotFile).toMatch(/-allocations\/.*-persistent\.pickle$/);
    const pickle = readFileSync(join(out, a.snapshotFile!));
    expect(pickle[0]).toBe(0x80); // a pickle's PROTO opcode
    // Scoped's context goes after every call: nothing the traced calls allocated is alive.
    const b = scoped!.allocationSites!;
    if ("error" in b) throw new Error(`expected sites, got: ${b.error}`);
    expect(b.count).toBe(0);
    expect(existsSync(join(out, b.snapshotFile!))).toBe(true);

    const md = allocationMarkdown(results.runs[0]!).join("\n");
    expect(md).toContain(`allocated here: \`${WORKER}:${ALLOCATION_LINE}\` (infer) — 40.0 KiB in 10 blocks`);
    expect(md).toContain(`snapshot saved at \`${a.snapshotFile}\``);
    expect(md).toContain("https://pytorch.org/memory_viz");
    expect(md).toContain("**scoped**: nothing allocated over 10 traced calls was still alive");
    const term = allocationTerminal(results.runs[0]!).join("\n");
    expect(term).toContain(`persistent: allocated here: ${WORKER}:${ALLOCATION_LINE} (infer) — 40.0 KiB in 10 blocks`);
  }, 120_000);

  it("a worker without PyTorch records why, spends no calls, and the run completes", async () => {
    const out = mkdtempSync(join(tmpdir(), "vramgate-alloc-"));
    const scenario = { ...processScenario({ command: ["python3", "good.py"] }), model: { kind: "none" as const } };
    scenario.strategies = ["persistent"];
    const { results } = await runBench({ scenarios: [scenario], outDir: out, traces: false, traceAllocations: true });
    const s = results.runs[0]!.strategies[0]!;
    expect(s.state).toBe("completed");
    expect(s.allocationSites).toEqual({
      error:
        "RuntimeError: allocation tracing needs PyTorch with CUDA in the worker (torch is not loaded or sees no GPU)",
    });
    expect(s.engineMemory?.calls).toBe(10); // the worker ran the measured calls only
    expect(allocationTerminal(results.runs[0]!).join("\n")).toContain("persistent: no allocation stacks: ");
  }, 120_000);

  it("is recorded for a strategy judged leak without the flag, and only for it", async () => {
    const out = mkdtempSync(join(tmpdir(), "vramgate-alloc-"));
    const scenario = {
      ...processScenario({ command: ["python3", "fake_torch_trace.py"] }),
      model: { kind: "none" as const },
    };
    scenario.run = { ...scenario.run, confirm: { calls: 10, seconds: 60 } };
    const judge = (_e: unknown, _r: unknown, s: { strategy: string }) =>
      s.strategy === "persistent" ? "leak" : "flat";
    const { results } = await runBench({ scenarios: [scenario], outDir: out, traces: false, judge });
    const [persistent, scoped] = results.runs[0]!.strategies;
    // The confirmation's 10 replay calls are counted there; the 10 traced calls after it left
    // 10 blocks alive with a recorded stack (the confirmation's blocks have none).
    expect(persistent!.confirmation).toMatchObject({ replayCalls: 10, verdictAfter: "leak", confirmed: true });
    expect(persistent!.allocationSites).toMatchObject({ calls: 10, count: 10, sites: [{ line: ALLOCATION_LINE }] });
    expect(scoped!.allocationSites).toBeUndefined();
  }, 120_000);

  it("is not recorded without a leak verdict or the flag", async () => {
    const out = mkdtempSync(join(tmpdir(), "vramgate-alloc-"));
    const scenario = {
      ...processScenario({ command: ["python3", "fake_torch_trace.py"] }),
      model: { kind: "none" as const },
    };
    scenario.strategies = ["persistent"];
    const { results } = await runBench({ scenarios: [scenario], outDir: out, traces: false });
    expect(results.runs[0]!.strategies[0]!.allocationSites).toBeUndefined();
    expect(existsSync(join(out, `${results.runId}-allocations`))).toBe(false);
  }, 120_000);
});
