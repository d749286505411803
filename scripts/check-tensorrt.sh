#!/usr/bin/env bash
# npm run check:tensorrt — compiles the TensorRT engine against TensorRT's public headers
# (no TensorRT library is needed, nothing is linked against it) and runs the parts that
# need only headers. By default checks BOTH TensorRT 10 and 11:
#   third_party/trt10/include and third_party/trt11/include
# Override with TRT_INCLUDE="dir1 dir2" (space-separated include folders).
# CUDA headers: $CUDA_HOME/include, else /usr/local/cuda/include.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cxx="${CXX:-g++}"
cuda_include="${CUDA_HOME:-/usr/local/cuda}/include"
trt_includes="${TRT_INCLUDE:-third_party/trt10/include third_party/trt11/include}"

how_to_get_headers() {
  cat >&2 <<'EOF'
Get TensorRT's public headers (the NVIDIA/TensorRT repository, tags v10.16 and v11.1):
  git clone --bare https://github.com/NVIDIA/TensorRT.git /tmp/TensorRT.git
  mkdir -p third_party/trt10 third_party/trt11
  git --git-dir=/tmp/TensorRT.git archive v10.16 include | tar x -C third_party/trt10
  git --git-dir=/tmp/TensorRT.git archive v11.1 include | tar x -C third_party/trt11
(third_party/ is git-ignored; never commit it.) Or point TRT_INCLUDE at an installed
TensorRT's include folder, e.g. TRT_INCLUDE=/usr/include/x86_64-linux-gnu.
EOF
}

if [[ ! -f "$cuda_include/cuda_runtime_api.h" ]]; then
  echo "check:tensorrt: CUDA headers not found: $cuda_include/cuda_runtime_api.h is missing." >&2
  echo "Install the CUDA toolkit or set CUDA_HOME to its folder." >&2
  exit 2
fi
for inc in $trt_includes; do
  if [[ ! -f "$inc/NvInfer.h" || ! -f "$inc/NvOnnxParser.h" ]]; then
    echo "check:tensorrt: TensorRT headers not found: $inc/NvInfer.h and $inc/NvOnnxParser.h are needed." >&2
    how_to_get_headers
    exit 2
  fi
done

engine_dir=native/engines/tensorrt
# Our sources must compile warning-free; the shared strategy loop and factory (other
# owners' code on the same path) are compiled with warnings shown but not fatal.
own_sources=("$engine_dir"/TrtEngine.cc "$engine_dir"/trt_*.cc)
shared_sources=(native/engines/strategy_loop.cc native/engines/factory.cc native/common/oom.cc)
selftest_sources=("$engine_dir"/selftest/trt_selftest.cc "$engine_dir"/trt_sha256.cc "$engine_dir"/trt_options.cc
  "$engine_dir"/trt_tensors.cc "$engine_dir"/trt_logger.cc native/common/oom.cc)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for inc in $trt_includes; do
  version="$(sed -n -E 's/^#define (TRT_MAJOR_ENTERPRISE|NV_TENSORRT_MAJOR) +([0-9]+).*/\2/p' "$inc/NvInferVersion.h" | head -1)"
  minor="$(sed -n -E 's/^#define (TRT_MINOR_ENTERPRISE|NV_TENSORRT_MINOR) +([0-9]+).*/\2/p' "$inc/NvInferVersion.h" | head -1)"
  patch="$(sed -n -E 's/^#define (TRT_PATCH_ENTERPRISE|NV_TENSORRT_PATCH) +([0-9]+).*/\2/p' "$inc/NvInferVersion.h" | head -1)"
  label="TensorRT ${version}.${minor}.${patch} ($inc)"
  flags=(-std=c++17 -fPIC -DVRAMGATE_WITH_TENSORRT -Inative -isystem "$inc" -isystem "$cuda_include")
  out="$work/trt$version"
  mkdir -p "$out"
  echo "== $label"
  for src in "${own_sources[@]}"; do
    if "$cxx" "${flags[@]}" -Wall -Wextra -Werror -c "$src" -o "$out/$(basename "$src").o"; then
      echo "   compiled $src"
    else
      echo "   FAILED   $src" >&2
      status=1
    fi
  done
  for src in "${shared_sources[@]}"; do
    if "$cxx" "${flags[@]}" -Wall -Wextra -c "$src" -o "$out/$(basename "$src").o"; then
      echo "   compiled $src (shared path)"
    else
      echo "   FAILED   $src (shared path)" >&2
      status=1
    fi
  done
  # Symbol check: the engine's objects plus the strategy loop, put in one shared object
  # (TensorRT and CUDA symbols stay undefined: nothing is linked against them), must
  # leave no vramgate symbol undefined, i.e. every declared function is defined.
  if [[ $status -eq 0 ]]; then
    objects=("$out"/TrtEngine.cc.o "$out"/trt_*.cc.o "$out"/strategy_loop.cc.o "$out"/oom.cc.o)
    if "$cxx" -shared "${objects[@]}" -o "$out/engine-symbols.so"; then
      missing="$(nm -C -u "$out/engine-symbols.so" | grep 'vramgate::' || true)"
      if [[ -n "$missing" ]]; then
        echo "   FAILED   undefined vramgate symbols:" >&2
        echo "$missing" >&2
        status=1
      else
        echo "   symbols: no vramgate symbol left undefined; needs from TensorRT: $(nm -u "$out/engine-symbols.so" |
          awk '{print $2}' | grep -E '^(createInfer|createNvOnnx|getInferLib)' | sort | tr '\n' ' ')"
      fi
    else
      echo "   FAILED   symbol check (shared object did not link)" >&2
      status=1
    fi
  fi
  # Headers-only parts, linked and run (they call nothing in libnvinfer).
  if "$cxx" "${flags[@]}" -Wall -Wextra -Werror "${selftest_sources[@]}" -o "$out/trt_selftest" &&
    "$out/trt_selftest" >"$out/selftest.stdout" 2>"$out/selftest.stderr"; then
    echo "   $(cat "$out/selftest.stdout")"
  else
    cat "$out/selftest.stderr" >&2 || true
    echo "   FAILED   selftest" >&2
    status=1
  fi
done

if [[ $status -ne 0 ]]; then
  echo "check:tensorrt: FAILED" >&2
  exit 1
fi
echo "check:tensorrt: OK — the engine compiles against every TensorRT version checked (not linked, not run: no TensorRT library here)"
