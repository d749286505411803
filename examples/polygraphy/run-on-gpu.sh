#!/usr/bin/env bash
# GPU-machine evidence for serve_runner: Polygraphy's own OnnxrtRunner (its source carried as
# .polygraphy.tar.xz or .polygraphy/, never committed) on the ResNet-18 `vramgate model`
# generates, under persistent / teardown / scoped. About a minute.
#   source .device/bootstrap.sh && OUT=$OUT bash examples/polygraphy/run-on-gpu.sh
# Everything lands in $OUT/polygraphy/: run.log, the results JSON + report, exit codes.
source examples/evidence-lib.sh
evidence_init polygraphy

step "Polygraphy source"
if [ ! -f .polygraphy/polygraphy/__init__.py ] && [ -f .polygraphy.tar.xz ]; then tar xJf .polygraphy.tar.xz; fi
if [ ! -f .polygraphy/polygraphy/__init__.py ]; then
  echo "no .polygraphy/polygraphy/__init__.py nor .polygraphy.tar.xz: carry one (see the report of issue #15)"
  rc polygraphy-source 2
  exit 2
fi
export PYTHONPATH="$PWD/.polygraphy${PYTHONPATH:+:$PYTHONPATH}"
python3 -c 'import polygraphy, onnxruntime, numpy; print("polygraphy", polygraphy.__version__, "onnxruntime", onnxruntime.__version__, onnxruntime.get_available_providers(), "numpy", numpy.__version__)'
rc imports $?

step "python unit tests of the helper (serve_runner, stats, traces)"
python3 -m unittest discover -s python/tests 2>&1 | tail -n 4
rc python-tests "${PIPESTATUS[0]}"

step "vramgate model resnet18 --seed 1 (the scenario generates the same file)"
timeout 120 node dist/cli/main.js model resnet18 --seed 1 < /dev/null
rc model $?

step "vramgate bench examples/polygraphy/onnxrt_runner.yaml"
timeout 240 node dist/cli/main.js bench examples/polygraphy/onnxrt_runner.yaml --out "$D" \
  --iterations "${ITERATIONS:-45}" < /dev/null
rc bench $?

step "what the results say per strategy"
python3 - "$D" <<'PY'
import glob, json, sys
for path in sorted(glob.glob(sys.argv[1] + "/*.json")):
    r = json.load(open(path))
    print(path, "state", r["state"], "worker versions", {k: v for k, v in r["environment"].get("engines", {}).items()})
    for run in r["runs"]:
        for s in run["strategies"]:
            print(" ", s["strategy"], s["state"], "calls", s["iterations"], "p50 ms", s["latency"].get("p50Ms"),
                  "error", (s.get("error") or {}).get("message"))
PY
ls -la "$D"
