#!/usr/bin/env bash
# The GPU part of `npm run bench:overhead`, in one go on the GPU machine:
#   source .device/bootstrap.sh && bash native/bench/torch_overhead_device.sh
# Exports ResNet-50 (random weights), builds bare_torch_loop and the addon with libtorch,
# then runs native/bench/torch_overhead.mjs. Writes run.log, build logs and
# torch-overhead.json into $OUT (default /tmp/torch-overhead). BUDGET_S (default 420)
# bounds the measurement step.
set -u
OUT=${OUT:-/tmp/torch-overhead}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
step() { echo; echo "=== $(date -u +%T) $*"; }
model=models/resnet50.pt

step machine
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c 'import torch;print("torch",torch.__version__,"cuda",torch.version.cuda)'
node --version; nproc
export CMAKE_BUILD_PARALLEL_LEVEL=$(nproc)
export PATH=${CUDA_HOME:-/usr/local/cuda}/bin:$PATH CUDACXX=${CUDA_HOME:-/usr/local/cuda}/bin/nvcc

step "export model + build addon + build bare loop (in parallel)"
pids=()
(python3 scripts/export-torchscript.py "$model" >"$OUT/export.log" 2>&1; echo "export rc=$?" >>"$OUT/export.log") &
pids+=($!)
(cmake -S native/bench -B build-bench -DCMAKE_BUILD_TYPE=Release >"$OUT/build-bench.log" 2>&1 &&
  timeout 300 cmake --build build-bench --target bare_torch_loop >>"$OUT/build-bench.log" 2>&1; echo "bench build rc=$?" >>"$OUT/build-bench.log") &
pids+=($!)
(timeout 300 npm run build:native >"$OUT/build-addon.log" 2>&1; echo "addon build rc=$?" >>"$OUT/build-addon.log") &
pids+=($!)
wait "${pids[@]}"
tail -n 1 "$OUT/export.log" "$OUT/build-bench.log" "$OUT/build-addon.log"
grep -E " error|Error" "$OUT/build-addon.log" "$OUT/build-bench.log" | head -20

step "libtorch persistent vs bare C++ loop"
timeout -k 5 "${BUDGET_S:-420}" node native/bench/torch_overhead.mjs "$model" --bare build-bench/bare_torch_loop \
  --rounds "${ROUNDS:-12}" --round-s "${ROUND_S:-1}" --out "$OUT/torch-overhead.json"
echo "overhead rc=$?"
