#!/usr/bin/env bash
# A/A noise of the gates on the GPU machine, in one call: build the addon with libtorch,
# export ResNet-50, then `bench:gate-noise` on scenarios/resnet50-torch.yaml.
#   source .device/bootstrap.sh && OUT=$OUT RUNS=10 bash scripts/gpu-gate-noise.sh
# Everything comes back as $OUT/gate-noise.tgz (+ $OUT/run.log).
set -u
OUT=${OUT:-/tmp/gpu-gate-noise}
RUNS=${RUNS:-10}
ITERATIONS=${ITERATIONS:-150}
ROUNDS=${ROUNDS:-5}
BUDGET_S=${BUDGET_S:-480}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
step() { echo; echo "=== $(date -u +%T) $*"; }
step machine
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.draw,temperature.gpu --format=csv,noheader
nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv,noheader
nproc; uptime
export CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) PATH=${CUDA_HOME:-/usr/local/cuda}/bin:$PATH CUDACXX=${CUDA_HOME:-/usr/local/cuda}/bin/nvcc
step "export ResNet-50 + build addon (in parallel)"
pids=()
[ -f models/resnet50.pt ] || { (python3 scripts/export-torchscript.py models/resnet50.pt > "$OUT/export.log" 2>&1; echo "export rc=$?") & pids+=($!); }
[ -f build/Release/vramgate.node ] || { (timeout 300 npm run build:native > "$OUT/build-addon.log" 2>&1; echo "addon rc=$?") & pids+=($!); }
# Wait for these two only: a bare `wait` would also wait for the tee above, forever.
[ ${#pids[@]} -gt 0 ] && wait "${pids[@]}"
tail -n 3 "$OUT/build-addon.log" 2>/dev/null
step "gate-noise: $RUNS runs of scenarios/resnet50-torch.yaml --iterations $ITERATIONS --rounds $ROUNDS"
G=/tmp/gate-noise-gpu
rm -rf "$G"
timeout "$BUDGET_S" node dist/bench/gate-noise.js --runs "$RUNS" --scenario scenarios/resnet50-torch.yaml \
  --iterations "$ITERATIONS" --rounds "$ROUNDS" --out "$G"
echo "gate-noise rc=$?"
# Judge whatever finished (a run cut by the budget is left out).
node dist/bench/gate-noise.js --from "$G" > /dev/null 2>&1
nvidia-smi --query-gpu=clocks.sm,power.draw,temperature.gpu --format=csv,noheader
find "$G" -name '*.csv' -delete
tar czf "$OUT/gate-noise.tgz" -C /tmp gate-noise-gpu
ls -la "$OUT"
