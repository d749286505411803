#!/usr/bin/env bash
# The lead's GPU-machine evidence run, in one call: build the addon with libtorch, export
# ResNet-50, then run through the real CLI: the ResNet-50 scenario, the planted leak, the
# process engine's leaky and fixed PyTorch workers, and the overhead against a bare loop.
#   source .device/bootstrap.sh && OUT=$OUT bash scripts/gpu-evidence.sh
# Everything lands in $EVIDENCE_DIR (default results/examples/h100/) and comes back as $OUT/evidence.tgz (+ run.log).
set -u
OUT=${OUT:-/tmp/gpu-evidence}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
E=${EVIDENCE_DIR:-results/examples/h100}
rm -rf "$E" && mkdir -p "$E"
step() { echo; echo "=== $(date -u +%T) $*"; }
bench() { # name, scenario, extra args…
  local name=$1 scenario=$2; shift 2
  step "vramgate bench $scenario $*"
  node dist/cli/main.js bench "$scenario" --out "$E/$name" "$@" < /dev/null
  echo "exit code: $?" | tee "$E/$name/exit-code.txt"
}

step machine
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$E/gpu.txt"
export CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) PATH=${CUDA_HOME:-/usr/local/cuda}/bin:$PATH CUDACXX=${CUDA_HOME:-/usr/local/cuda}/bin/nvcc

step "export ResNet-50 + build addon + build bare loop (in parallel)"
pids=()
(python3 scripts/export-torchscript.py models/resnet50.pt > "$OUT/export.log" 2>&1) & pids+=($!)
(timeout 300 npm run build:native > "$OUT/build-addon.log" 2>&1; echo "addon rc=$?") & pids+=($!)
(cmake -S native/bench -B build-bench -DCMAKE_BUILD_TYPE=Release > "$OUT/build-bench.log" 2>&1 &&
  timeout 300 cmake --build build-bench >> "$OUT/build-bench.log" 2>&1; echo "bench rc=$?") & pids+=($!)
wait "${pids[@]}"
tail -n 3 "$OUT/build-addon.log"; tail -n 2 "$OUT/export.log"

step doctor
node dist/cli/main.js doctor | tee "$E/doctor.txt"

bench torch-clean scenarios/resnet50-torch.yaml
bench torch-leak scenarios/resnet50-torch-leak.yaml
bench process-leaky examples/torch/leaky.yaml
bench process-fixed examples/torch/fixed.yaml

step "overhead: vramgate persistent vs the bare C++ loop, interleaved rounds"
timeout 300 node native/bench/torch_smoke.mjs models/resnet50.pt --bare build-bench/bare_torch_loop \
  --only overhead --overhead-rounds 10 --overhead-calls 600 --out "$E/overhead.json"

step collect
tar czf "$OUT/evidence.tgz" "$E"
ls -la "$OUT"
