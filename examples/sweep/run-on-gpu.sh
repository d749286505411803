#!/usr/bin/env bash
# GPU-machine evidence for sweeps (issue #17), about 4 minutes on an H200 (at most ~6.5):
#   1. libtorch ResNet-50: precision × cudaGraph × PYTORCH_CUDA_ALLOC_CONF expandable_segments
#      (8 runs + the reference repeated last, persistent vs per-shape)
#                                                          examples/sweep/libtorch-resnet50.yaml
#   2. process engine, the PyTorch worker of examples/torch: PYTORCH_CUDA_ALLOC_CONF off / on
#      (2 runs + the reference repeated last, persistent vs scoped)
#                                                          examples/sweep/process-alloc-conf.yaml
#   2b. process engine on a transformer with dynamic shapes: the GPT generate loop of examples/gpt,
#      dynamic vs static prompt profile × GPT_SDPA default / math (4 runs + the repeat)
#                                                          examples/sweep/gpt-profile.yaml
#   3. --only: one combination of (2) re-run under its own key, not repeated (skipped when time is short)
# Each sweep's last run (`<reference run key>#repeat`) measures the drift between runs; the
# summary prints it per sweep (sweeps[].drift) with the report's "Drift:" line.
# From the repository root, after the device bootstrap and `npm run build:native` (libtorch):
#   source .device/bootstrap.sh && OUT=$OUT bash examples/sweep/run-on-gpu.sh
# Everything lands in $OUT/sweep/: run.log, exit-codes.txt, summary.txt, and per bench the
# results JSON (sweeps[]: points, Pareto front, recommendation), the markdown report with
# its charts (sweep-*-pareto.svg, *-throughput.svg, *-latency.svg) and CSV traces.
# Exit codes 0 or 1 (a gate) are results; 2 is bad input; 3 a strategy could not run; 124 or 130:
# the time limit stopped it (what was measured is kept, analysed and reported).
source examples/evidence-lib.sh
evidence_init sweep
BUDGET_S=${BUDGET_S:-400}

evidence_versions torch torchvision
evidence_dist_has dist/analysis/pareto.js widenByDrift sweeps-with-drift
evidence_dist_has dist/scenarios/expand.js sweepPoint sweeps
node dist/cli/main.js doctor 2>&1 | grep -iE "libtorch|torch|nvml|cuda" | head -n 8

step "model: models/resnet50.pt (TorchScript, random weights)"
if [ -f models/resnet50.pt ]; then
  echo "models/resnet50.pt exists"
  rc export 0
else
  timeout 90 python3 scripts/export-torchscript.py models/resnet50.pt < /dev/null
  rc export $?
fi

step "1. libtorch sweep: precision × cudaGraph × expandable_segments"
timeout -k 15 160 node dist/cli/main.js bench examples/sweep/libtorch-resnet50.yaml --out "$D/libtorch" < /dev/null
rc bench-libtorch $?

step "2. process sweep: PYTORCH_CUDA_ALLOC_CONF"
timeout -k 10 55 node dist/cli/main.js bench examples/sweep/process-alloc-conf.yaml --out "$D/process" < /dev/null
rc bench-process $?

step "2b. process sweep on a transformer: GPT generate loop, dynamic vs static profile × attention backend"
timeout -k 10 170 node dist/cli/main.js bench examples/sweep/gpt-profile.yaml --out "$D/gpt" < /dev/null
rc bench-gpt $?

if [ "$SECONDS" -lt $((BUDGET_S - 30)) ]; then
  step "3. --only: one combination of the process sweep again"
  timeout -k 5 30 node dist/cli/main.js bench examples/sweep/process-alloc-conf.yaml --out "$D/process-only" \
    --only "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True" --iterations 24 --rounds 2 < /dev/null
  rc bench-process-only $?
else
  echo "skipped: ${SECONDS}s used of ${BUDGET_S}s"
  rc bench-process-only skipped
fi

step "summary: every sweep's points, front and recommendation"
python3 - "$D" <<'PY' 2>&1 | tee "$D/summary.txt"
import glob, json, os, sys
MIB = 1024 * 1024
root = sys.argv[1]
for case in ("libtorch", "process", "gpt", "process-only"):
    files = sorted(glob.glob(os.path.join(root, case, "*.json")))
    if not files:
        print("\n##", case, ": no results JSON")
        continue
    r = json.load(open(files[-1]))
    print("\n##", case, os.path.basename(files[-1]), "state", r["state"], "runs", len(r["runs"]))
    for run in r["runs"]:
        for s in run["strategies"]:
            err = (s.get("error") or {}).get("message")
            print("  %-90s %-10s %-9s calls %4d%s" % (run["key"], s["strategy"], s["state"], s["iterations"],
                                                       "  error: " + err[:160] if err else ""))
    for sw in r.get("sweeps") or []:
        print("  sweep", sw["scenario"], sw["sequence"], "axes", sw["axes"], "reference", sw["reference"])
        for i, p in enumerate(sw["points"]):
            ci = p.get("ratioCi") or [float("nan")] * 2
            mark = "REC" if i == sw.get("recommended") else ("  *" if p["front"] else "   ")
            print("   %s %-5s %-62s %-10s x%6.3f [%6.3f, %6.3f] p99 %7.2f ms peak %8.1f MiB %-13s %s" % (
                mark, p["precision"], p["combination"][:62], p["strategy"], p.get("ratio", float("nan")), ci[0], ci[1],
                p.get("p99Ms", float("nan")), p.get("peakBytes", float("nan")) / MIB, p["verdict"],
                ",".join(e["code"] + (":" + e["reason"] if "reason" in e else "") for e in p["excluded"])))
        print("  rankedBy", sw.get("rankedBy"), "limits", sw.get("limits"))
        d = sw.get("drift")
        if d:
            print("  DRIFT %s ÷ %s (%s): x%.3f [%.3f, %.3f]" % (d["repeat"], d["run"], d["strategy"], d["ratio"], d["ci"][0], d["ci"][1]))
        else:
            print("  DRIFT not measured (no repeat of the reference in this results file)")
        for p in sw["points"]:
            if "ratioCiRounds" in p:
                r = p["ratioCiRounds"]
                print("     widened %-5s %-62s %-10s [%6.3f, %6.3f] -> [%6.3f, %6.3f]" % (
                    p["precision"], p["combination"][:62], p["strategy"], r[0], r[1], p["ratioCi"][0], p["ratioCi"][1]))
    charts = sorted(glob.glob(os.path.join(root, case, "*-charts", "*.svg")))
    print("  charts:", len(charts), [os.path.basename(c) for c in charts if "pareto" in c or "throughput" in c][:6])
    md = sorted(glob.glob(os.path.join(root, case, "*.md")))
    if md:
        for line in open(md[-1]):
            if line.startswith("**Recommended") or line.startswith("**No configuration") or line.startswith("Drift:"):
                print("  report:", line.strip()[:400])
PY
step "done in ${SECONDS}s"
cat "$D/exit-codes.txt"
