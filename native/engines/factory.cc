#include "factory.h"

#include <stdexcept>

namespace vramgate {

namespace {
// Why an engine is absent, baked in at configure time (see CMakeLists.txt).
#ifndef VRAMGATE_TORCH_REASON_TEXT
#define VRAMGATE_TORCH_REASON_TEXT ""
#endif
#ifndef VRAMGATE_TENSORRT_REASON_TEXT
#define VRAMGATE_TENSORRT_REASON_TEXT ""
#endif

std::string WithReason(const std::string& base, const char* reason) {
  std::string r = reason;
  return r.empty() ? base : base + " [configure said: " + r + "]";
}
}  // namespace

std::unique_ptr<Engine> CreateEngine(const std::string& kind, const EngineConfig& cfg) {
  if (kind == "host") return CreateHostEngine(cfg);
  if (kind == "libtorch") {
#ifdef VRAMGATE_WITH_TORCH
    return CreateTorchEngine(cfg);
#else
    throw std::runtime_error(WithReason(
        "libtorch engine not built into this addon (build with Torch_DIR set: "
        "VRAMGATE_CMAKE_ARGS=\"-DTorch_DIR=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')/Torch\" "
        "npm run build:native)",
        VRAMGATE_TORCH_REASON_TEXT));
#endif
  }
  if (kind == "tensorrt") {
#ifdef VRAMGATE_WITH_TENSORRT
    return CreateTensorRtEngine(cfg);
#else
    throw std::runtime_error(
        WithReason("tensorrt engine not built into this addon (build with the TensorRT SDK found: "
                   "headers NvInfer.h/NvOnnxParser.h and libnvinfer; see native/engines/tensorrt/tensorrt.cmake, "
                   "then npm run build:native)",
                   VRAMGATE_TENSORRT_REASON_TEXT));
#endif
  }
  throw std::invalid_argument("unknown native engine kind \"" + kind + "\" (expected host, libtorch or tensorrt)");
}

std::string EngineMissingReason(const std::string& kind) {
#ifndef VRAMGATE_WITH_TORCH
  if (kind == "libtorch") return VRAMGATE_TORCH_REASON_TEXT;
#endif
#ifndef VRAMGATE_WITH_TENSORRT
  if (kind == "tensorrt") return VRAMGATE_TENSORRT_REASON_TEXT;
#endif
  (void)kind;
  return "";
}

std::vector<std::string> BuiltEngineKinds() {
  std::vector<std::string> kinds{"host"};
#ifdef VRAMGATE_WITH_TORCH
  kinds.push_back("libtorch");
#endif
#ifdef VRAMGATE_WITH_TENSORRT
  kinds.push_back("tensorrt");
#endif
  return kinds;
}

}  // namespace vramgate
