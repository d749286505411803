// The TensorRT engine's options, read once from EngineConfig::options (strings, already
// checked by the scenario validator in TypeScript). Parsing here still refuses bad text
// with a message, because a plan can also be driven from C++ directly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <NvInferRuntime.h>

namespace vramgate::trt {

struct TrtOptions {
  std::optional<int64_t> workspaceMiB;              // builder workspace pool limit
  std::optional<int32_t> builderOptimizationLevel;  // 0..5
  std::vector<std::string> tacticSources;           // names as given; empty = TensorRT's default set
  nvinfer1::ExecutionContextAllocationStrategy allocation = nvinfer1::ExecutionContextAllocationStrategy::kSTATIC;
  std::string allocationName = "static";
  bool cudaGraph = false;
  std::string cacheDir;  // "" = no engine cache; the timing cache then lives only in memory
  std::string logLevel = "warning";
};

// Keys read: workspaceMiB, builderOptimizationLevel, tacticSources (comma-separated),
// allocationStrategy (static | on-profile-change), cudaGraph (true | false), cacheDir,
// logLevel. Other keys (perShapePoolSize, …) belong to the strategy loop and are ignored.
// Throws std::runtime_error naming the option, what was expected and what was found.
TrtOptions ParseTrtOptions(const std::map<std::string, std::string>& options);

// Tactic-source bit mask for the names given, for the TensorRT version compiled against.
// Throws std::runtime_error listing the valid names for an unknown one.
nvinfer1::TacticSources TacticSourceMask(const std::vector<std::string>& names);

}  // namespace vramgate::trt
