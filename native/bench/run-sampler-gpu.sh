#!/usr/bin/env bash
# Sampler evidence on the GPU machine, in one go (build + run + collect). From the project
# root, with .device/ (../shared/device/pack.sh) and dist/ (npm run build) carried:
#   bash native/bench/run-sampler-gpu.sh        # writes $OUT/sampler.json, doctor.*, log.txt
# Builds the addon core only (engines disabled: this measures the sampler, and the engine
# folders may be mid-work), and gpu_loop with nvcc (cuBLAS when its headers are there).
set -uo pipefail
OUT=${OUT:-/tmp/vramgate-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
source .device/bootstrap.sh
echo "== machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
nproc; uname -r; cmake --version | head -1; g++ --version | head -1; nvcc --version | tail -2
echo "== nvml.h process-info layout (the addon declares its own structs)"
for h in $(find / -xdev -name nvml.h 2>/dev/null | head -3); do
  echo "$h"; grep -n -A12 "typedef struct nvmlProcessInfo_st" "$h" | grep -v '//' | head -12
done
echo "== build addon"
t0=$(date +%s)
VRAMGATE_CMAKE_ARGS="-DVRAMGATE_DISABLE_TORCH=ON -DVRAMGATE_DISABLE_TENSORRT=ON" npm run build:native || exit 3
echo "addon built in $(( $(date +%s) - t0 )) s"
echo "== build gpu_loop"
nvcc -O2 -arch=sm_90 -DUSE_CUBLAS native/bench/gpu_loop.cu -lcublas -o /tmp/gpu_loop ||
  nvcc -O2 -arch=sm_90 native/bench/gpu_loop.cu -o /tmp/gpu_loop || exit 3
echo "== doctor"
if [ -f dist/cli/main.js ]; then
  node dist/cli/main.js doctor --json > "$OUT/doctor.json" 2>&1
  node dist/cli/main.js doctor > "$OUT/doctor.txt" 2>&1
  cat "$OUT/doctor.txt"
fi
node -e 'console.log(JSON.stringify(require("./build/Release/vramgate.node").probe(), null, 2))' > "$OUT/probe.json"
cat "$OUT/probe.json"
echo "== bench:sampler"
node dist/bench/sampler.js --gpu-loop /tmp/gpu_loop --out "$OUT/${SAMPLER_JSON:-sampler.json}" "$@"
echo "exit $?"
if [ "${FULL_BUILD:-0}" = 1 ]; then
  # The whole addon with every engine whose SDK is here (libtorch via Torch_DIR from
  # bootstrap.sh), in its own folder: shows the engine .cmake contract end to end.
  echo "== full addon build (engines included)"
  t0=$(date +%s)
  env -u npm_config_nodedir node node_modules/cmake-js/bin/cmake-js compile --out build-full 2>&1 | grep -E "vramgate engines|libtorch|TensorRT|error|warning: unused|Linking|FAILED" | head -40
  echo "full build: $(( $(date +%s) - t0 )) s"
  node -e 'const p=require("./build-full/Release/vramgate.node").probe(); console.log(JSON.stringify({engines:p.engines,nvml:p.nvml.found,gpus:p.gpus.length}))' > "$OUT/probe-full.json" 2>&1
  cat "$OUT/probe-full.json"
fi
