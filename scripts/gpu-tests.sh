#!/usr/bin/env bash
# `npm run test:gpu` on the GPU machine, which has no registry and whose .device/ carries
# production packages only. Here first:
#   npm run build && ../shared/device/pack.sh
#   tar cJf .device/testtools.tar.xz --exclude=node_modules/onnxruntime-node \
#     --exclude=node_modules/typescript node_modules      # vitest and friends, ~16 MiB
# then there, with .device and dist carried:
#   source .device/bootstrap.sh && OUT=$OUT bash scripts/gpu-tests.sh
set -u
OUT=${OUT:-/tmp/gpu-tests}
mkdir -p "$OUT"
tar xJf .device/testtools.tar.xz
export CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) PATH=${CUDA_HOME:-/usr/local/cuda}/bin:$PATH
python3 scripts/export-torchscript.py models/resnet50.pt > "$OUT/export.log" 2>&1 &
timeout 240 npm run build:native > "$OUT/build-addon.log" 2>&1 || { echo "addon build failed: $OUT/build-addon.log"; tail -20 "$OUT/build-addon.log"; exit 3; }
wait
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
VRAMGATE_GPU_TESTS=1 timeout 420 npx vitest run test/gpu 2>&1 | tee "$OUT/test-gpu.log"
exit "${PIPESTATUS[0]}"
