/**
 * `kill -9` of vramgate at seeded random moments of a run (issue #13): every results file
 * left behind parses and validates with the project's reader (or is absent), and the
 * strategy child processes are gone afterwards (they exit when their IPC channel closes).
 * The test is about what is left on disk, never about timing: the moments only spread the
 * kills over the life of a run (first write, between rounds, mid-rename).
 */
import { alive } from "../helpers/processes.js";
import { mulberry32 } from "../../src/analysis/stats/prng.js";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readResultsFile } from "../../src/results/read.js";
import { scenarioDir, startCli, tinyFixedScenario, waitFor } from "../helpers/cli.js";

const SEED = 0x5eed13;
const KILLS = 20;
const PARALLEL = 4;
/** Delay after the first results write, in ms. */
const MIN_DELAY_MS = 200;
const MAX_DELAY_MS = 5000;

/** The PIDs of a process's children (Linux /proc; empty elsewhere). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("kill -9 at random moments", () => {
  it(`${KILLS} runs killed (seed ${SEED}): every results file left parses and validates; no strategy child survives`, {
    timeout: 240_000,
  }, async () => {
    const random = mulberry32(SEED);
    const delays = Array.from({ length: KILLS }, () =>
      Math.round(MIN_DELAY_MS + random() * (MAX_DELAY_MS - MIN_DELAY_MS)),
    );
    // A run far longer than any delay: 40000 rounds of 10 calls, results rewritten after every round.
    const dir = scenarioDir({
      "s.yaml": tinyFixedScenario("kill9", "{ warmup: 1, iterations: 400000, rounds: 40000, watchdogS: 60 }", [
        "persistent",
        "scoped",
      ]),
    });
    const outs: string[] = [];
    const childPids = new Set<number>();
    const problems: string[] = [];
    let withRounds = 0;

    const one = async (i: number) => {
      const out = join(dir, `out-${i}`);
      outs.push(out);
      const cli = startCli(["bench", join(dir, "s.yaml"), "--out", out, "--quiet"]);
      let ended: { code: number | null; stderr: string } | undefined;
      void cli.done.then((r) => (ended = r));
      // "Started writing": the first results file is on disk (even runs: kills land while the
      // strategy children start) or holds a measured round (odd runs: kills land among the
      // per-round rewrites of the results file).
      const started = (): boolean => {
        const files = readdirSync(out).filter((f) => f.endsWith(".json"));
        if (i % 2 === 0) return files.length > 0;
        return files.some((f) =>
          readResultsFile(join(out, f)).runs.some((run) => run.strategies.some((s) => s.iterations > 0)),
        );
      };
      await waitFor(`run ${i}: first results write`, () => (ended || started() ? true : undefined), 90_000, 20);
      if (ended) {
        problems.push(`run ${i}: exited ${ended.code} before its first results file: ${ended.stderr.slice(-500)}`);
        return;
      }
      await sleep(delays[i]!);
      // The strategy children started so far (those of a round on disk are also in the results file).
      for (const pid of childrenOf(cli.child.pid!)) childPids.add(pid);
      cli.child.kill("SIGKILL");
      const { signal } = await cli.done;
      if (signal !== "SIGKILL") problems.push(`run ${i}: ended by ${signal ?? "exit"} before the kill`);
      for (const f of readdirSync(out).filter((f) => f.endsWith(".json"))) {
        try {
          const r = readResultsFile(join(out, f));
          if (r.runs.some((run) => run.strategies.some((s) => s.iterations > 0))) withRounds++;
          for (const run of r.runs) for (const s of run.strategies) if (s.pid !== undefined) childPids.add(s.pid);
        } catch (e) {
          problems.push(
            `run ${i} (killed ${delays[i]} ms after its first write): ${f}: ${(e as Error).message.slice(0, 300)}`,
          );
        }
      }
    };

    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < KILLS) await one(next++);
      }),
    );
    console.log(
      `kill -9 delays ${Math.min(...delays)}–${Math.max(...delays)} ms; ${withRounds}/${KILLS} results files had measured rounds; ${childPids.size} strategy children checked`,
    );
    expect(problems).toEqual([]);
    expect(outs.length).toBe(KILLS);
    expect(childPids.size).toBeGreaterThan(0);
    // Strategy children exit on IPC disconnect; a generous bound for a loaded machine.
    const survivors = await waitFor(
      "strategy children to exit",
      () => {
        const left = [...childPids].filter(alive);
        return left.length === 0 ? left : undefined;
      },
      30_000,
      100,
    ).catch(() => [...childPids].filter(alive));
    for (const pid of survivors) process.kill(pid, "SIGKILL");
    expect(survivors).toEqual([]);
  });
});
