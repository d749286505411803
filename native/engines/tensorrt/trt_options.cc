#include "trt_options.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <utility>

#include "trt_compat.h"

namespace vramgate::trt {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

int64_t ParseInteger(const std::string& key, const std::string& text, int64_t min, int64_t max) {
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < min || value > max) {
    throw std::runtime_error("tensorrt." + key + " must be an integer from " + std::to_string(min) + " to " +
                             std::to_string(max) + ", got \"" + text + "\"");
  }
  return value;
}

// Names accepted in tensorrt.tacticSources, with TensorRT's enum. TensorRT 11 removed the
// cuBLAS, cuBLASLt and cuDNN sources (deprecated in 10).
std::vector<std::pair<std::string, nvinfer1::TacticSource>> KnownTacticSources() {
  using nvinfer1::TacticSource;
  VRAMGATE_TRT_ALLOW_DEPRECATED_BEGIN
  return {
#if NV_TENSORRT_MAJOR < 11
    {"cublas", TacticSource::kCUBLAS}, {"cublaslt", TacticSource::kCUBLAS_LT}, {"cudnn", TacticSource::kCUDNN},
#endif
        {"edge_mask_convolutions", TacticSource::kEDGE_MASK_CONVOLUTIONS},
        {"jit_convolutions", TacticSource::kJIT_CONVOLUTIONS},
  };
  VRAMGATE_TRT_ALLOW_DEPRECATED_END
}

}  // namespace

TrtOptions ParseTrtOptions(const std::map<std::string, std::string>& options) {
  TrtOptions out;
  auto get = [&](const std::string& key) -> const std::string* {
    auto it = options.find(key);
    return it == options.end() ? nullptr : &it->second;
  };
  if (const auto* v = get("workspaceMiB")) out.workspaceMiB = ParseInteger("workspaceMiB", *v, 1, int64_t{1} << 30);
  if (const auto* v = get("builderOptimizationLevel")) {
    out.builderOptimizationLevel = static_cast<int32_t>(ParseInteger("builderOptimizationLevel", *v, 0, 5));
  }
  if (const auto* v = get("tacticSources")) {
    size_t start = 0;
    while (start <= v->size()) {
      const size_t comma = v->find(',', start);
      const std::string name = Trim(v->substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (!name.empty()) out.tacticSources.push_back(name);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    (void)TacticSourceMask(out.tacticSources);  // refuse unknown names now, not at build time
  }
  if (const auto* v = get("allocationStrategy")) {
    if (*v == "static") {
      out.allocation = nvinfer1::ExecutionContextAllocationStrategy::kSTATIC;
    } else if (*v == "on-profile-change") {
      out.allocation = nvinfer1::ExecutionContextAllocationStrategy::kON_PROFILE_CHANGE;
    } else {
      throw std::runtime_error("tensorrt.allocationStrategy must be static or on-profile-change, got \"" + *v +
                               "\" (user-managed memory is the user-managed strategy, not an allocation strategy)");
    }
    out.allocationName = *v;
  }
  if (const auto* v = get("cudaGraph")) {
    if (*v != "true" && *v != "false") {
      throw std::runtime_error("tensorrt.cudaGraph must be true or false, got \"" + *v + "\"");
    }
    out.cudaGraph = *v == "true";
  }
  if (const auto* v = get("cacheDir")) out.cacheDir = *v;
  if (const auto* v = get("logLevel")) out.logLevel = *v;
  return out;
}

nvinfer1::TacticSources TacticSourceMask(const std::vector<std::string>& names) {
  const auto known = KnownTacticSources();
  nvinfer1::TacticSources mask = 0;
  for (const auto& name : names) {
    const std::string key = Lower(name);
    auto it = std::find_if(known.begin(), known.end(), [&](const auto& entry) { return entry.first == key; });
    if (it == known.end()) {
      std::string valid;
      for (const auto& entry : known) valid += (valid.empty() ? "" : ", ") + entry.first;
      throw std::runtime_error("tensorrt.tacticSources: unknown source \"" + name + "\" for TensorRT " +
                               std::to_string(NV_TENSORRT_MAJOR) + " (valid: " + valid + ")");
    }
    mask |= nvinfer1::TacticSources{1} << static_cast<int32_t>(it->second);
  }
  return mask;
}

}  // namespace vramgate::trt
