#!/usr/bin/env bash
# GPU-machine evidence for allocation stacks on a leak (issue #15): the retained-tensors worker
# (its context keeps a clone of every call's output) under persistent and scoped. persistent
# is judged `leak`, so after its confirmation vramgate runs 30 replay calls (the scenario's
# run.confirm.calls bounds them) with
# PyTorch's allocation history on, saves the snapshot next to the results and names the line
# that allocated what stayed alive: retained_tensors_worker.py, the `self.kept.append(out.clone())`
# line in infer(). scoped is flat: not traced. About a minute.
#   source .device/bootstrap.sh && OUT=$OUT bash examples/layers/stacks-on-gpu.sh
# Everything lands in $OUT/stacks/: run.log, exit-codes.txt, sites.txt, the results JSON,
# the markdown report and the .pickle snapshot. Exit code 1 from bench is expected (leak gate).
source examples/evidence-lib.sh
evidence_init stacks

step "environment"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'
rc torch $?
evidence_dist_has dist/run/orchestrator.js traceAllocations stacks

step "vramgate bench examples/layers/retained-tensors.yaml (leak-triggered allocation stacks)"
timeout 120 node dist/cli/main.js bench examples/layers/retained-tensors.yaml --out "$D" \
  --iterations "${ITERATIONS:-120}" < /dev/null
rc bench $?

step "allocation sites per strategy, and the snapshot read back with torch"
python3 - "$D" <<'PY' 2>&1 | tee "$D/sites.txt"
import glob, json, os, pickle, sys
root = sys.argv[1]
for path in sorted(glob.glob(root + "/*.json")):
    results = json.load(open(path))
    for run in results["runs"]:
        for s in run["strategies"]:
            verdict = ((s.get("analysis") or {}).get("leak") or {}).get(s["primarySignal"], {}).get("verdict")
            a = s.get("allocationSites")
            print("%s: state %s, verdict %s" % (s["strategy"], s["state"], verdict))
            if a is None:
                print("  no allocation stacks recorded (expected unless the verdict is leak)")
                continue
            if "error" in a:
                print("  no allocation stacks:", a["error"])
                continue
            print("  %d blocks, %.1f MiB alive from %s traced calls" % (a["count"], a["bytes"] / 2**20, a.get("calls")))
            for site in a["sites"]:
                print("  allocated here: %s:%d (%s) - %.1f MiB in %d blocks" % (
                    site["file"], site["line"], site["function"], site["bytes"] / 2**20, site["count"]))
            snap = os.path.join(root, a["snapshotFile"]) if a.get("snapshotFile") else None
            if snap and os.path.exists(snap):
                data = pickle.load(open(snap, "rb"))
                print("  snapshot %s: %d bytes, %d segments, keys %s" % (
                    a["snapshotFile"], os.path.getsize(snap), len(data.get("segments", [])), sorted(data)))
            else:
                print("  snapshot missing:", snap)
PY
grep -n "THE LEAK" examples/layers/retained_tensors_worker.py
step "report: allocation stacks section"
awk '/^### Allocation stacks/ {p = 1; print; next} p && /^#/ {p = 0} p' "$D"/*.md
ls -laR "$D" | head -40
