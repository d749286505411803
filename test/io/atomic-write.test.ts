/**
 * Durable writes under faults: injected (short writes, ENOSPC, EIO, failed rename) and real
 * (a folder where the file belongs, a file where a folder belongs, a name too long, a pipe,
 * and — where this machine lets root mount one — a tiny tmpfs that fills up or is read-only).
 * Every failure must leave the previous file intact, no temporary file behind, and an error
 * with the right exit code that names the path.
 */
import { Tmpfs } from "../helpers/tmpfs.js";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  AtomicFileWriter,
  preflightWrite,
  realFs,
  tempPathFor,
  writeFileAtomic,
  type AtomicFs,
} from "../../src/io/atomic-write.js";
import { TraceWriter, type TraceFs } from "../../src/run/trace-writer.js";
import { DiskError, EXIT, exitCodeOf, InputError, PathError } from "../../src/errors.js";

const root = mkdtempSync(join(tmpdir(), "vramgate-atomic-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const d = join(root, `case-${n++}`);
  mkdirSync(d);
  return d;
};
const errno = (code: string): Error => Object.assign(new Error(`${code}: injected`), { code });

/** What a write threw (it must throw). */
function thrown(fn: () => void): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the write to fail");
}

/** Files in `dir` other than `keep`: temporaries left behind. */
const leftovers = (dir: string, keep: string[]): string[] => readdirSync(dir).filter((f) => !keep.includes(f));

/** realFs with some calls replaced. */
const faulty = (over: Partial<AtomicFs & TraceFs>): AtomicFs & TraceFs => ({
  ...(realFs as AtomicFs & TraceFs),
  ...over,
});

const GOOD = JSON.stringify({ schema: "vramgate.results/1", runs: [1, 2, 3] });
const NEW = JSON.stringify({ schema: "vramgate.results/1", runs: Array.from({ length: 2000 }, (_, i) => i) });

describe("writeFileAtomic", () => {
  it("writes, replaces, and leaves only the target", () => {
    const dir = fresh();
    const f = join(dir, "r.json");
    writeFileAtomic(f, GOOD);
    writeFileAtomic(f, NEW);
    expect(readFileSync(f, "utf8")).toBe(NEW);
    expect(leftovers(dir, ["r.json"])).toEqual([]);
  });

  it("creates missing folders", () => {
    const dir = fresh();
    const f = join(dir, "a/b/c/r.json");
    writeFileAtomic(f, GOOD);
    expect(readFileSync(f, "utf8")).toBe(GOOD);
  });

  const faults: Array<[string, Partial<AtomicFs>, string, number]> = [
    [
      "a short write followed by a write that stores nothing",
      { writeSync: (fd, b, o, l) => (o === 0 ? realFs.writeSync(fd, b, 0, Math.min(l, 100)) : 0) },
      "SHORT_WRITE",
      EXIT.runFailed,
    ],
    [
      "ENOSPC on write",
      {
        writeSync: () => {
          throw errno("ENOSPC");
        },
      },
      "ENOSPC",
      EXIT.runFailed,
    ],
    [
      "EDQUOT on write",
      {
        writeSync: () => {
          throw errno("EDQUOT");
        },
      },
      "EDQUOT",
      EXIT.runFailed,
    ],
    [
      "EIO on fsync",
      {
        fsyncSync: () => {
          throw errno("EIO");
        },
      },
      "EIO",
      EXIT.runFailed,
    ],
    ["a size that does not match what was written", { fstatSync: () => ({ size: 1 }) }, "SHORT_WRITE", EXIT.runFailed],
    [
      "ENOSPC on close (deferred write error)",
      {
        closeSync: (fd) => {
          realFs.closeSync(fd);
          throw errno("ENOSPC");
        },
      },
      "ENOSPC",
      EXIT.runFailed,
    ],
    [
      "EACCES on rename",
      {
        renameSync: () => {
          throw errno("EACCES");
        },
      },
      "EACCES",
      EXIT.badInput,
    ],
    [
      "EROFS on open",
      {
        openSync: () => {
          throw errno("EROFS");
        },
      },
      "EROFS",
      EXIT.badInput,
    ],
  ];
  for (const [what, over, code, exit] of faults) {
    it(`${what}: the previous file stays intact, no temporary file, exit ${exit}`, () => {
      const dir = fresh();
      const f = join(dir, "r.json");
      writeFileAtomic(f, GOOD);
      const e = thrown(() => writeFileAtomic(f, NEW, { fs: faulty(over) }));
      expect(e).toBeInstanceOf(exit === EXIT.runFailed ? DiskError : PathError);
      expect((e as DiskError).code).toBe(code);
      expect(exitCodeOf(e)).toBe(exit);
      expect(e.message).toContain(f);
      expect(e.message).toMatch(/previous r\.json is left intact/);
      expect(e.message).not.toMatch(/\n\s+at /); // no stack
      expect(readFileSync(f, "utf8")).toBe(GOOD);
      expect(leftovers(dir, ["r.json"])).toEqual([]);
    });
  }

  it("says nothing was written when there was no previous file", () => {
    const dir = fresh();
    const e = thrown(() =>
      writeFileAtomic(join(dir, "r.json"), NEW, {
        fs: faulty({
          writeSync: () => {
            throw errno("ENOSPC");
          },
        }),
      }),
    );
    expect(e.message).toMatch(/disk is full \(ENOSPC\)\. Nothing was written\. Free space on the disk/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a folder where the file belongs: PathError, exit 2", () => {
    const dir = fresh();
    mkdirSync(join(dir, "r.json"));
    const e = thrown(() => writeFileAtomic(join(dir, "r.json"), GOOD, { what: "the JUnit report (--junit)" }));
    expect(e).toBeInstanceOf(PathError);
    expect(exitCodeOf(e)).toBe(2);
    expect(e.message).toMatch(
      /^cannot write the JUnit report \(--junit\): .*r\.json: expected a file name, found a folder\./,
    );
    expect(leftovers(dir, ["r.json"])).toEqual([]);
  });

  it("a file where a folder belongs: PathError naming that file", () => {
    const dir = fresh();
    writeFileSync(join(dir, "out"), "x");
    const e = thrown(() => writeFileAtomic(join(dir, "out/sub/r.json"), GOOD));
    expect(e).toBeInstanceOf(PathError);
    expect(e.message).toContain(`found ${join(dir, "out")}, which is a file, not a folder`);
    expect(readFileSync(join(dir, "out"), "utf8")).toBe("x");
  });

  it("a name too long: PathError, nothing left behind", () => {
    const dir = fresh();
    const e = thrown(() => writeFileAtomic(join(dir, `${"n".repeat(300)}.json`), GOOD));
    expect(e).toBeInstanceOf(PathError);
    expect((e as PathError).code).toBe("ENAMETOOLONG");
    expect(e.message).toMatch(/a name of 305 bytes/);
    expect(e.message.length).toBeLessThan(900);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a name that nearly fills NAME_MAX still gets a temporary name that fits", () => {
    const dir = fresh();
    const name = `${"é".repeat(120)}.json`; // 245 bytes
    expect(Buffer.byteLength(tempPathFor(join(dir, name)).split("/").pop()!)).toBeLessThanOrEqual(255);
    writeFileAtomic(join(dir, name), GOOD);
    expect(readdirSync(dir)).toEqual([name]);
  });

  it.skipIf(process.platform !== "linux")(
    "a folder /proc will not create: PathError at once (Node's recursive mkdir loops forever there)",
    () => {
      const e = thrown(() => writeFileAtomic("/proc/vramgate-test/sub/r.json", GOOD));
      expect(e).toBeInstanceOf(PathError);
      expect(e.message).toMatch(/cannot be created there \(ENOENT/);
    },
  );

  it("never renames over a pipe or device", () => {
    const dir = fresh();
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const e = thrown(() => writeFileAtomic(fifo, GOOD));
    expect(e).toBeInstanceOf(PathError);
    expect(e.message).toMatch(/a pipe \(FIFO\), not a regular file/);
    expect(leftovers(dir, ["fifo"])).toEqual([]);
  });

  it("the streaming writer publishes nothing until commit, and abort removes the temporary file", () => {
    const dir = fresh();
    const f = join(dir, "m.onnx");
    writeFileAtomic(f, "old");
    const w = new AtomicFileWriter(f);
    w.write("new ");
    w.write(new Uint8Array([65, 66]));
    expect(readFileSync(f, "utf8")).toBe("old");
    w.abort();
    expect(readdirSync(dir)).toEqual(["m.onnx"]);
    const w2 = new AtomicFileWriter(f);
    w2.write("new");
    w2.commit();
    expect(readFileSync(f, "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["m.onnx"]);
  });
});

describe("preflightWrite", () => {
  it("accepts a writable path and writes nothing", () => {
    const dir = fresh();
    preflightWrite(join(dir, "x/y/junit.xml"));
    expect(readdirSync(dir)).toEqual([]);
  });
  it("refuses a folder, a file on the way and a long name with exit 2", () => {
    const dir = fresh();
    mkdirSync(join(dir, "d"));
    writeFileSync(join(dir, "f"), "");
    for (const p of [join(dir, "d"), join(dir, "f/junit.xml"), join(dir, `${"x".repeat(256)}.xml`)]) {
      const e = thrown(() => preflightWrite(p, { what: "the JUnit report (--junit)" }));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toMatch(/^cannot write the JUnit report \(--junit\): /);
    }
  });
  it("refuses a read-only folder (injected EROFS)", () => {
    const dir = fresh();
    const e = thrown(() =>
      preflightWrite(join(dir, "j.xml"), {
        fs: faulty({
          accessSync: () => {
            throw errno("EROFS");
          },
        }),
      }),
    );
    expect(e.message).toMatch(/found a read-only filesystem \(EROFS\)/);
  });
});

describe("TraceWriter", () => {
  const row = (w: TraceWriter, i: number) => w.write(i, i, 0.5, "x:1", { rssBytes: 1000 + i, gpuProcessBytes: 5 });

  it("writes the analyze CSV format", () => {
    const dir = fresh();
    const w = new TraceWriter(join(dir, "t/a.csv"), "rssBytes");
    for (let i = 0; i < 3; i++) row(w, i);
    w.close();
    w.close();
    expect(readFileSync(join(dir, "t/a.csv"), "utf8").split("\n")[0]).toBe(
      "iteration,time_ms,latency_ms,shape,used_bytes,gpu_process_bytes,rss_bytes",
    );
  });

  it("an unusable path fails at once with a PathError (not later, inside the sampling loop)", () => {
    const dir = fresh();
    mkdirSync(join(dir, "a.csv"));
    expect(() => new TraceWriter(join(dir, "a.csv"), "rssBytes")).toThrow(PathError);
    expect(() => new TraceWriter(join(dir, `${"t".repeat(300)}.csv`), "rssBytes")).toThrow(/a name of 304 bytes/);
  });

  it("a full disk mid-trace: no throw, one warning, the file cut back to whole lines", () => {
    const dir = fresh();
    const f = join(dir, "a.csv");
    let calls = 0;
    const errors: Error[] = [];
    const w = new TraceWriter(f, "rssBytes", {
      fs: faulty({
        writeSync: (fd, b, o, l) => {
          calls++;
          // The second flush stores half of its bytes, then the disk is full.
          if (calls === 2) return realFs.writeSync(fd, b, o, Math.floor(l / 2));
          if (calls > 2) throw errno("ENOSPC");
          return realFs.writeSync(fd, b, o, l);
        },
      }),
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 10_000; i++) row(w, i); // several flushes
    w.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DiskError);
    expect(errors[0]!.message).toMatch(/disk is full \(ENOSPC\)\. The trace stops here/);
    const text = readFileSync(f, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(100);
    for (const l of lines.slice(1)) expect(l.split(",")).toHaveLength(7);
  });
});

// A real filesystem that fills up and one that is read-only: a tiny tmpfs, where root may mount one.
const tmpfs = new Tmpfs();
afterAll(() => tmpfs.unmountAll());
const fullDir = mkdtempSync(join(tmpdir(), "vramgate-tmpfs-"));
const canMount = tmpfs.mount(fullDir, "size=256k");

describe.skipIf(!canMount)("on a real tmpfs (root only)", () => {
  it("a full disk keeps the previous results file intact and says so (exit 3), no temporary file", () => {
    const f = join(fullDir, "r.json");
    const good = JSON.stringify({ schema: "vramgate.results/1", runs: Array.from({ length: 3000 }, (_, i) => i) });
    writeFileAtomic(f, good);
    // Fill the rest of the disk.
    const filler = join(fullDir, "filler");
    try {
      writeFileSync(filler, Buffer.alloc(512 * 1024));
    } catch {
      /* ENOSPC: full, as wanted */
    }
    const bigger = JSON.stringify({ schema: "vramgate.results/1", runs: Array.from({ length: 30000 }, (_, i) => i) });
    const e = thrown(() => writeFileAtomic(f, bigger));
    expect(e).toBeInstanceOf(DiskError);
    expect(exitCodeOf(e)).toBe(3);
    expect(e.message).toMatch(/disk is full \(ENOSPC\)|short write/);
    expect(e.message).toMatch(/previous r\.json is left intact/);
    expect(JSON.parse(readFileSync(f, "utf8"))).toEqual(JSON.parse(good));
    expect(leftovers(fullDir, ["r.json", "filler"])).toEqual([]);
    rmSync(filler, { force: true });
  });

  it("a read-only filesystem: PathError (exit 2), the file untouched", () => {
    const ro = mkdtempSync(join(tmpdir(), "vramgate-ro-"));
    expect(tmpfs.mount(ro, "size=64k"), "mounting a second tmpfs (the first one mounted)").toBe(true);
    writeFileAtomic(join(ro, "r.json"), GOOD);
    execFileSync("mount", ["-o", "remount,ro", ro], { stdio: "ignore" });
    const e = thrown(() => writeFileAtomic(join(ro, "r.json"), NEW));
    expect(e).toBeInstanceOf(PathError);
    expect(exitCodeOf(e)).toBe(2);
    expect(e.message).toMatch(/found a read-only filesystem \(EROFS\)/);
    expect(readFileSync(join(ro, "r.json"), "utf8")).toBe(GOOD);
    expect(() => preflightWrite(join(ro, "junit.xml"))).toThrow(/EROFS/);
    expect(existsSync(join(ro, "junit.xml"))).toBe(false);
  });
});
