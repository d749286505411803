/**
 * The results-file boundary: JSON that is not the shape vramgate writes is refused with
 * located problems (file:line:col, JSON path, expected, found), never a TypeError; files
 * vramgate wrote (fixtures, committed GPU evidence) pass; unknown extra keys pass.
 */
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseResultsJson, readResultsFile, MAX_JSON_DEPTH } from "../../src/results/read.js";
import { InputError } from "../../src/errors.js";
import { ROOT } from "../helpers/cli.js";

const FIXTURE = join(ROOT, "test/fixtures/results/clean-pass.json");
const base = () => JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, any>;
const dir = mkdtempSync(join(tmpdir(), "vramgate-read-"));
const write = (name: string, data: unknown): string => {
  const f = join(dir, name);
  writeFileSync(f, typeof data === "string" ? data : JSON.stringify(data, null, 1));
  return f;
};
function problem(file: string, opts: { lenient?: boolean } = {}): string {
  try {
    readResultsFile(file, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).not.toMatch(/TypeError|Cannot read propert|\n\s+at /);
    return (e as Error).message;
  }
  throw new Error(`${file} was accepted`);
}

describe("readResultsFile", () => {
  it("accepts every results file vramgate wrote in this repository", () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (f.endsWith(".json.gz")) files.push(p);
        else if (f.endsWith(".json") && readFileSync(p, "utf8").includes('"vramgate.results/1"')) files.push(p);
      }
    };
    walk(join(ROOT, "test/fixtures/results"));
    walk(join(ROOT, "results/examples"));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(readResultsFile(f).runs.length).toBeGreaterThan(0);
  });

  it("reads gzip-compressed results (found by the magic number, whatever the name)", () => {
    const plain = readFileSync(FIXTURE);
    const gz = join(dir, "clean-pass.json.gz");
    writeFileSync(gz, gzipSync(plain));
    const named = join(dir, "clean-pass-compressed.json");
    writeFileSync(named, gzipSync(plain));
    const expected = readResultsFile(FIXTURE);
    expect(readResultsFile(gz)).toEqual(expected);
    expect(readResultsFile(named)).toEqual(expected);
  });

  it("refuses a damaged gzip file and one that inflates past the limit, naming the file", () => {
    const damaged = join(dir, "damaged.json.gz");
    writeFileSync(damaged, gzipSync(readFileSync(FIXTURE)).subarray(0, 200));
    expect(problem(damaged)).toMatch(/damaged\.json\.gz.*damaged gzip stream/s);
    // 3 MiB of spaces compress to a few KiB: the limit (1 MiB here) holds for the inflated text.
    const bomb = join(dir, "bomb.json.gz");
    writeFileSync(bomb, gzipSync(Buffer.from(`{${" ".repeat(3 * 1024 * 1024)}}`)));
    const saved = process.env.VRAMGATE_MAX_RESULTS_MIB;
    process.env.VRAMGATE_MAX_RESULTS_MIB = "1";
    try {
      expect(problem(bomb)).toMatch(/bomb\.json\.gz.*more than 1 MiB once decompressed.*VRAMGATE_MAX_RESULTS_MIB/s);
    } finally {
      if (saved === undefined) delete process.env.VRAMGATE_MAX_RESULTS_MIB;
      else process.env.VRAMGATE_MAX_RESULTS_MIB = saved;
    }
  });

  it("passes unknown extra keys through (fields added later)", () => {
    const r = base();
    r.futureField = { a: 1 };
    r.runs[0].strategies[0].confirmation = { replayCalls: 3, fromIteration: 10, checks: ["leak"], later: true };
    r.runs[0].strategies[0].somethingNew = [1, 2];
    const read = readResultsFile(write("extra.json", r)) as any;
    expect(read.futureField).toEqual({ a: 1 });
    expect(read.runs[0].strategies[0].somethingNew).toEqual([1, 2]);
    expect(read.runs[0].strategies[0].confirmation.later).toBe(true);
  });

  const cases: Array<[string, (r: any) => unknown, RegExp]> = [
    ["runs: [null]", (r) => ({ ...r, runs: [null] }), /:\d+:\d+: runs\[0\]: expected an object, found null\./],
    [
      "a run without strategies",
      (r) => {
        delete r.runs[0].strategies;
        return r;
      },
      /:\d+:\d+: runs\[0\]\.strategies: expected an array, found nothing/,
    ],
    [
      "missing environment",
      (r) => {
        delete r.environment;
        return r;
      },
      /:1:1: environment: expected an object, found nothing \(the key is missing\)\. environment is required/,
    ],
    [
      "gpus a string",
      (r) => {
        r.environment.gpus = "H100";
        return r;
      },
      /:\d+:\d+: environment\.gpus: expected an array, found "H100" \(a string\)/,
    ],
    [
      "strategies without rounds",
      (r) => {
        for (const s of r.runs[0].strategies) delete s.rounds;
        return r;
      },
      /runs\[0\]\.strategies\[0\]\.rounds: expected an array, found nothing/,
    ],
    [
      "a string where a number belongs",
      (r) => {
        r.runs[0].strategies[1].series.signals.rssBytes.max[3] = "12";
        return r;
      },
      /runs\[0\]\.strategies\[1\]\.series\.signals\.rssBytes\.max\[3\]: expected a number, found "12" \(a string\)/,
    ],
    [
      "an unknown state",
      (r) => {
        r.runs[0].strategies[0].state = "exploded";
        return r;
      },
      /state: expected one of "completed", .*found "exploded"/,
    ],
    ["runs an object", (r) => ({ ...r, runs: {} }), /runs: expected an array, found an object/],
    ["a top-level array", () => [1, 2], /schema: expected "vramgate\.results\/1", found an array at the top level/],
    ["null", () => null, /schema: expected "vramgate\.results\/1", found null at the top level/],
    [
      "incomplete shapeStats",
      (r) => {
        r.runs[0].strategies[0].shapeStats = { lagCalls: 1 };
        return r;
      },
      /shapeStats\.distinctShapes: expected a number, found nothing/,
    ],
  ];
  for (const [name, mutate, message] of cases) {
    it(`refuses ${name} with a located message`, () => {
      const f = write(`${name.replace(/\W+/g, "_")}.json`, mutate(base()));
      const m = problem(f);
      expect(m.startsWith(f)).toBe(true);
      expect(m).toMatch(message);
    });
  }

  it("points at the line and column of the bad value", () => {
    const r = base();
    r.environment.gpus = "H100";
    const f = write("where.json", r);
    const m = problem(f);
    const [, line, col] = /where\.json:(\d+):(\d+):/.exec(m)!;
    const text = readFileSync(f, "utf8").split("\n")[Number(line) - 1]!;
    expect(text.slice(Number(col) - 1)).toMatch(/^"H100"/);
  });

  it("refuses deep nesting before parsing it", () => {
    const n = 200_000;
    const f = write("deep.json", `{"schema":"vramgate.results/1","runs":${"[".repeat(n)}${"]".repeat(n)}}`);
    expect(problem(f)).toMatch(
      new RegExp(
        `deep\\.json:1:\\d+: expected a vramgate results JSON \\(arrays and objects nested at most ${MAX_JSON_DEPTH} deep\\)`,
      ),
    );
  });

  it("lists at most 10 problems and quotes at most ~80 characters of a value", () => {
    const r = base();
    for (const s of r.runs[0].strategies) s.series.lastIteration = s.series.lastIteration.map(() => "x".repeat(10_000));
    const m = problem(write("many.json", r));
    expect(m.split("\n")).toHaveLength(10);
    expect(m).toMatch(/more problems not shown/);
    expect(m.length).toBeLessThan(4000);
  });

  it("analyze's lenient reading accepts results-like JSON without run metadata, but not without series", () => {
    const minimal = {
      schema: "vramgate.results/1",
      runs: [
        {
          key: "k",
          strategies: [
            {
              strategy: "persistent",
              state: "completed",
              primarySignal: "rssBytes",
              series: { lastIteration: [0, 1], signals: { rssBytes: { max: [1, 2] } } },
            },
          ],
        },
      ],
    };
    const read = readResultsFile(write("minimal.json", minimal), { lenient: true });
    expect(read.environment.gpus).toEqual([]);
    expect(read.runs[0]!.strategies[0]!.rounds).toEqual([]);
    expect(problem(write("minimal2.json", minimal))).toMatch(/runId: expected a string/);
    const noSeries = structuredClone(minimal) as any;
    delete noSeries.runs[0].strategies[0].series;
    expect(problem(write("noseries.json", noSeries), { lenient: true })).toMatch(
      /runs\[0\]\.strategies\[0\]\.series: expected an object/,
    );
  });

  it("refuses a folder, a device, a pipe and a file over the size limit", () => {
    mkdirSync(join(dir, "folder.json"));
    expect(problem(join(dir, "folder.json"))).toMatch(
      /folder\.json: expected a vramgate results JSON \(a regular file\), found a folder/,
    );
    expect(problem("/dev/zero")).toMatch(
      /\/dev\/zero: expected a vramgate results JSON \(a regular file\), found a character device/,
    );
    const big = write("big.json", " ".repeat(2 * 1024 * 1024));
    process.env.VRAMGATE_MAX_RESULTS_MIB = "1";
    try {
      expect(problem(big)).toMatch(
        /big\.json: expected a vramgate results JSON of at most 1 MiB, found 2 MiB\. If the file is genuine, raise the limit with VRAMGATE_MAX_RESULTS_MIB=<MiB>\./,
      );
    } finally {
      delete process.env.VRAMGATE_MAX_RESULTS_MIB;
    }
  });

  it("parseResultsJson locates invalid JSON", () => {
    expect(() => parseResultsJson('{\n "schema": "vramgate.results/1",\n "runs": [,]\n}', "x.json")).toThrow(
      /x\.json:3:\d+: expected a vramgate results JSON, found invalid JSON/,
    );
  });
});
