#!/usr/bin/env bash
# The libtorch engine's whole GPU-machine session in one go: export the model, build the
# addon (with libtorch) and the bench executables, check every strategy, measure the
# overhead against the bare loop, and run the ResNet-50 scenarios through the CLI.
#   source .device/bootstrap.sh && bash native/bench/torch_device_run.sh
# Writes at most 8 files into $OUT (default /tmp/torch-run): run.log (everything, ends with
# the tables), export.log, build-addon.log, build-bench.log, check.jsonl, smoke.json,
# cli.tgz. Optional: CLI_ITERATIONS / CLI_LEAK_ITERATIONS override the scenarios' counts;
# BUDGET_S (default 470) bounds the whole run.
set -u
OUT=${OUT:-/tmp/torch-run}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
step() { echo; echo "=== $(date -u +%T) $*"; }
# Every step's timeout is cut to what is left of BUDGET_S, so the logs always come back.
deadline=$(( $(date +%s) + ${BUDGET_S:-470} ))
tmo() {
  local want=$1 left=$(( deadline - $(date +%s) - 5 ))
  (( left < want )) && want=$left
  (( want < 1 )) && want=1
  echo "$want"
}
model=models/resnet50.pt

step machine
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
python3 -c 'import torch,torchvision;print("torch",torch.__version__,"cuda",torch.version.cuda,"cudnn",torch.backends.cudnn.version(),"torchvision",torchvision.__version__)'
cmake --version | head -1; g++ --version | head -1; node --version; nproc
echo "Torch_DIR=${Torch_DIR:-unset} CUDA_HOME=${CUDA_HOME:-unset}"
export CMAKE_BUILD_PARALLEL_LEVEL=$(nproc)
# Torch's CMake config may enable CUDA as a language: let CMake find nvcc.
export PATH=${CUDA_HOME:-/usr/local/cuda}/bin:$PATH CUDACXX=${CUDA_HOME:-/usr/local/cuda}/bin/nvcc

step "export model + build addon + build bench (in parallel)"
t0=$(date +%s)
# Wait on these pids only: a bare `wait` would also wait for the tee above, forever.
pids=()
(python3 scripts/export-torchscript.py "$model" >"$OUT/export.log" 2>&1; echo "export rc=$?" >>"$OUT/export.log") &
pids+=($!)
(cmake -S native/bench -B build-bench -DCMAKE_BUILD_TYPE=Release >"$OUT/build-bench.log" 2>&1 &&
  timeout 300 cmake --build build-bench >>"$OUT/build-bench.log" 2>&1; echo "bench build rc=$?" >>"$OUT/build-bench.log") &
pids+=($!)
(timeout 300 npm run build:native >"$OUT/build-addon.log" 2>&1; echo "addon build rc=$?" >>"$OUT/build-addon.log") &
pids+=($!)
wait "${pids[@]}"
echo "export + builds took $(( $(date +%s) - t0 )) s"
tail -n 2 "$OUT/export.log"; grep -E "libtorch|vramgate engines" "$OUT/build-addon.log" | head -5
tail -n 1 "$OUT/build-addon.log"; tail -n 1 "$OUT/build-bench.log"
grep -E "error|Error" "$OUT/build-addon.log" "$OUT/build-bench.log" | head -30
[ -f build/Release/vramgate.node ] && ldd build/Release/vramgate.node | grep -E "torch|c10|cudart|not found"

addon_ok=0
node -e 'const a=require("./build/Release/vramgate.node"); const e=new a.NativeEngine("libtorch",{modelPath:"x",precision:"fp16"}); console.log("addon has libtorch:", JSON.stringify(e.versions()))' && addon_ok=1

step "C++ strategy checks (TorchEngine through StrategyRunner, no Node)"
chk=build-bench/torch_strategy_check
if [ -x $chk ] && [ -f "$model" ]; then
  runs=("--strategy persistent --sequence random --calls 300 --stats-cost"
        "--strategy persistent --sequence fixed --calls 300 --stats-cost --mem-get-info")
  if [ $addon_ok = 0 ]; then  # no addon: the C++ checks are the evidence, so cover everything
    runs+=("--strategy teardown --sequence random --calls 300"
           "--strategy per-shape --sequence random --calls 300 --pool 32"
           "--strategy user-managed --sequence random --calls 300"
           "--strategy persistent --sequence fixed --calls 200 --leak-bytes 4194304"
           "--strategy scoped --sequence fixed --calls 100 --leak-bytes 4194304"
           "--strategy per-shape --sequence fixed --calls 300 --cuda-graph")
  fi
  for r in "${runs[@]}"; do
    # shellcheck disable=SC2086
    timeout -k 5 "$(tmo 90)" $chk "$model" $r | tee -a "$OUT/check.jsonl" || echo "check failed: $r"
  done
fi

step "Node smoke through the addon (every strategy, faults, CUDA graphs, errors, overhead)"
if [ $addon_ok = 1 ] && [ -f "$model" ]; then
  timeout -k 5 "$(tmo 240)" node native/bench/torch_smoke.mjs "$model" --bare build-bench/bare_torch_loop \
    --calls 300 --out "$OUT/smoke.json" || echo "smoke rc=$?"
fi

step "vramgate bench (CLI) on the scenarios"
if [ $addon_ok = 1 ] && [ -f dist/cli/main.js ] && [ -f "$model" ]; then
  mkdir -p /tmp/cli
  timeout -k 5 "$(tmo 150)" node dist/cli/main.js bench scenarios/resnet50-torch.yaml --out /tmp/cli/clean \
    ${CLI_ITERATIONS:+--iterations $CLI_ITERATIONS} >/tmp/cli/clean.log 2>&1
  echo "resnet50-torch exit=$? (expected 0)"; tail -n 25 /tmp/cli/clean.log
  timeout -k 5 "$(tmo 120)" node dist/cli/main.js bench scenarios/resnet50-torch-leak.yaml --out /tmp/cli/leak \
    ${CLI_LEAK_ITERATIONS:+--iterations $CLI_LEAK_ITERATIONS} >/tmp/cli/leak.log 2>&1
  echo "resnet50-torch-leak exit=$? (expected 1)"; tail -n 25 /tmp/cli/leak.log
  # Traces are large; results JSON and reports are what the summary needs.
  find /tmp/cli -name "*.csv" -size +2M -delete
  tar czf "$OUT/cli.tgz" -C /tmp cli
fi
step done
