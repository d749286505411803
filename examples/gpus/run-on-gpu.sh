#!/usr/bin/env bash
# GPU-machine evidence for `bench --gpus` (issue #19): three independent runs
# (examples/gpus/three-runs.yaml, one per shape sequence) with --gpus all on however many GPUs
# the machine has: with one GPU they queue, one at a time. Then each run's recorded GPU (index,
# UUID, name, driver, SM / memory clocks now and max), whether NVML saw the strategies'
# processes (gpuAttribution: the container PID check), and the flag's refusals on real NVML.
# About 1 minute. From the repository root, after the device bootstrap and `npm run build`:
#   source .device/bootstrap.sh && OUT=$OUT bash examples/gpus/run-on-gpu.sh
# Everything lands in $OUT/gpus/: run.log, exit-codes.txt, summary.txt, the results JSON and
# markdown report (bench/), nvidia-smi before and after.
# Expected: bench exit 0 (or 1 if a gate fails on the machine; 2 or 3 is not expected), each
# run with the H200's UUID; "queued: yes" on a one-GPU machine; --gpus 99 and --gpus 0,0 exit 2.
source examples/evidence-lib.sh
evidence_init gpus
# Another scenario can be given (a CPU dry run of this script uses one on the tiny model).
SCENARIO=${SCENARIO:-examples/gpus/three-runs.yaml}

step "environment"
nvidia-smi --query-gpu=index,name,uuid,driver_version,clocks.sm,clocks.max.sm,clocks.mem,clocks.max.mem,memory.used \
  --format=csv 2>&1 | tee "$D/nvidia-smi-before.csv"
nvidia-smi --query-compute-apps=pid,used_memory --format=csv 2>&1 | head -n 5
node --version
echo "this shell's PID namespace: $(readlink /proc/self/ns/pid 2>/dev/null || echo unknown); PID $$"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'
rc imports $?
evidence_dist_has dist/run/gpu-pool.js parseGpus gpus

step "the addon's view: NVML probe (clocks, compute PIDs)"
node -e '
const a = require("./build/Release/vramgate.node");
const p = a.probe();
console.log(JSON.stringify({ nvml: p.nvml.found, driver: p.driverVersion, gpus: p.gpus }, null, 1));
' 2>&1
rc probe $?

step "refusals on real NVML: --gpus 99, --gpus 0,0 (expected exit 2 each)"
timeout 60 node dist/cli/main.js bench "$SCENARIO" --gpus 99 --out "$D/refused" < /dev/null
rc "bench-gpus-99" $?
timeout 60 node dist/cli/main.js bench "$SCENARIO" --gpus 0,0 --out "$D/refused" < /dev/null
rc "bench-gpus-0,0" $?

step "vramgate bench $SCENARIO --gpus all"
timeout 80 node dist/cli/main.js bench "$SCENARIO" --gpus all --out "$D/bench" < /dev/null
rc "bench-gpus-all" $?
nvidia-smi --query-gpu=index,clocks.sm,clocks.mem,memory.used --format=csv > "$D/nvidia-smi-after.csv" 2>&1

step "summary: each run's GPU as recorded, attribution, queueing"
python3 - "$D" "$SCENARIO" <<'PY' 2>&1 | tee "$D/summary.txt"
import glob, json, re, sys
root = sys.argv[1]
files = sorted(glob.glob(root + "/bench/*.json"))
if not files:
    print("no results JSON under", root + "/bench"); sys.exit(1)
r = json.load(open(files[-1]))
print("results:", files[-1], "state:", r["state"], "runs:", len(r["runs"]))
print("environment GPUs:", [(g["index"], g.get("uuid"), g.get("clocks")) for g in r["environment"]["gpus"]])
for run in r["runs"]:
    g = run.get("gpu")
    if not g:
        print(run["key"], ": NO gpu recorded"); continue
    c = g.get("clocks", {})
    print("%s: GPU %s %s %s driver %s; SM %s/%s MHz, mem %s/%s MHz; recorded %s" % (
        run["key"], g["index"], g["name"], g["uuid"], g.get("driverVersion"),
        c.get("smMHz"), c.get("smMaxMHz"), c.get("memMHz"), c.get("memMaxMHz"), g.get("recordedAt")))
    for s in run["strategies"]:
        peak = s["peakBytes"].get("gpuProcessBytes")
        att = s.get("gpuAttribution")
        print("   %-10s %-9s pid %s  peak gpuProcess %s MiB  start %s MiB  %s" % (
            s["strategy"], s["state"], s.get("pid"),
            None if peak is None else round(peak / 2**20, 1),
            None if s["startBytes"].get("gpuProcessBytes") is None else round(s["startBytes"]["gpuProcessBytes"] / 2**20, 1),
            ("DEVICE-LEVEL " + json.dumps(att)) if att else "per-process figures (no fallback)"))
# Queueing: from the progress lines, no two runs on one GPU at once.
log = open(root + "/run.log").read().split("vramgate bench %s --gpus all" % sys.argv[2], 1)[-1]
events = re.findall(r"^(▶|■) \[GPU (\d+)\] (\S+):", log, re.M)
busy, overlap = {}, False
for kind, gpu, key in events:
    if kind == "▶":
        overlap |= gpu in busy
        busy[gpu] = key
    else:
        busy.pop(gpu, None)
print("progress events:", [(k, g, key) for k, g, key in events])
print("runs on one GPU overlapped:", "YES (bug)" if overlap else "no")
print("queued:", "yes" if len(set(g for _, g, _ in events)) < len(r["runs"]) else "no (as many GPUs as runs)")
PY
rc summary $?

step "report: GPU per run section"
grep -A 14 "### GPU per run" "$D"/bench/*.md 2>&1 | head -n 24
echo; cat "$D/exit-codes.txt"
