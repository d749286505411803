#!/usr/bin/env bash
# GPU-machine evidence for the memory layers (issue #15): three PyTorch process workers, each
# under persistent and scoped, whose growth lives in one layer each:
#   retained-tensors  a list keeps every call's output      → "your tensors (allocated grows)"
#   raw-cudamalloc    2 MiB of raw cudaMalloc per call       → "outside the allocator"
#   fragmentation     ever larger scratch, freed, cached     → "allocator cache / fragmentation"
# About 2-3 minutes. From the repository root, after the device bootstrap:
#   source .device/bootstrap.sh && OUT=$OUT bash examples/layers/run-on-gpu.sh
# Everything lands in $OUT/layers/: run.log, exit-codes.txt, summary.txt, and per case the
# results JSON, markdown report, charts (layer charts: *-layers.svg) and CSV traces.
# A bench's exit code 1 is expected here (the leak gate fails on persistent); 2 or 3 is not.
source examples/evidence-lib.sh
evidence_init layers
CASES=${CASES:-"retained-tensors raw-cudamalloc fragmentation"}

evidence_versions torch cupy
evidence_dist_has dist/results/layers.js outsideAllocatorBytes layers

for c in $CASES; do
  step "vramgate bench examples/layers/$c.yaml"
  timeout 75 node dist/cli/main.js bench "examples/layers/$c.yaml" --out "$D/$c" \
    --iterations "${ITERATIONS:-150}" < /dev/null
  rc "bench-$c" $?
done

step "per case: every layer's verdict, where growth lives, sources compared"
python3 - "$D" $CASES <<'PY' 2>&1 | tee "$D/summary.txt"
import glob, json, sys
MIB = 1024 * 1024
root, cases = sys.argv[1], sys.argv[2:]
LAYER_SIGNALS = ["gpuProcessBytes", "torchAllocatedBytes", "torchReservedBytes", "outsideAllocatorBytes",
                 "cudaMemGetInfoUsedBytes", "deviceUsedBytes"]
for case in cases:
    files = sorted(glob.glob("%s/%s/*.json" % (root, case)))
    if not files:
        print(case, ": no results JSON")
        continue
    r = json.load(open(files[-1]))
    print("\n##", case, files[-1], "state", r["state"])
    for run in r["runs"]:
        for s in run["strategies"]:
            a = s.get("analysis") or {}
            leak = a.get("leak") or {}
            print(" ", s["strategy"], s["state"], "calls", s["iterations"], "error", (s.get("error") or {}).get("message"))
            for sig in LAYER_SIGNALS:
                v = leak.get(sig)
                if v:
                    print("    %-24s %-13s %+9.3f MiB/call  CI [%+.3f, %+.3f]  growth %.1f MiB" % (
                        sig, v["verdict"], v["slopeBytesPerIteration"] / MIB, v["slopeCi"][0] / MIB,
                        v["slopeCi"][1] / MIB, v["growthBytes"] / MIB))
                else:
                    print("    %-24s (not recorded)" % sig)
            layers = a.get("layers")
            if layers:
                print("    WHERE:", layers["where"] or "no layer grows", "unattributed" if layers["unattributed"] else "")
            else:
                print("    layers: none")
            for c in a.get("sources") or []:
                print("    sources %s vs %s (%s): %s  %+.3f vs %+.3f MiB/call" % (
                    c["signals"][0], c["signals"][1], c["quantity"], "agree" if c["agree"] else "DISAGREE",
                    c["slopesBytesPerIteration"][0] / MIB, c["slopesBytesPerIteration"][1] / MIB))
PY
rc summary "${PIPESTATUS[0]}"

step "the layer lines of the terminal summaries"
grep -h "layers (\|sources:" "$D/run.log" | sort -u | head -n 20

step "analyze --column picks a layer (results JSON and CSV trace)"
for c in $CASES; do
  json=$(ls "$D/$c"/*.json 2>/dev/null | tail -n 1)
  [ -n "$json" ] || continue
  node dist/cli/main.js analyze "$json" --column outsideAllocatorBytes < /dev/null
  rc "analyze-json-$c" $?
  trace=$(find "$D/$c" -name '*persistent*.csv' | head -n 1)
  if [ -n "$trace" ]; then
    head -n 1 "$trace"
    node dist/cli/main.js analyze "$trace" --column outside_allocator_bytes < /dev/null
    rc "analyze-csv-$c" $?
  fi
done

step "files"
find "$D" -type f | sort
du -sh "$D"
