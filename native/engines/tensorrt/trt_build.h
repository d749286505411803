// Getting a serialized TensorRT plan for the scenario: read a .plan/.engine file as is,
// or build one from ONNX (one optimization profile from EngineConfig::profile, the
// scenario's precision, workspace / optimization level / tactic sources), reusing an
// engine cache and a timing cache under tensorrt.cacheDir when one is set.
#pragma once

#include <string>
#include <vector>

#include "../engine.h"
#include "trt_logger.h"
#include "trt_options.h"

namespace vramgate::trt {

struct Plan {
  std::vector<char> bytes;
  // How the plan was obtained: "plan file", "built", "engine cache hit".
  std::string origin;
  // Engine cache file read or written, or "" without a cache.
  std::string cachePath;
};

// True when modelPath names a serialized engine (.plan or .engine) rather than ONNX.
bool IsPlanFile(const std::string& modelPath);

// The text hashed into the engine cache key: model SHA-256, TensorRT library version,
// device name and compute capability, precision, profile and builder options. Anything
// that changes the built engine is in it, so a cache hit is always the same engine.
std::string EngineCacheKeyText(const EngineConfig& cfg, const TrtOptions& opts, const std::string& modelSha256);

// Throws std::runtime_error with TensorRT's / the ONNX parser's messages on failure, and
// vramgate::OutOfMemory when the build ran out of device memory.
Plan LoadOrBuildPlan(const EngineConfig& cfg, const TrtOptions& opts, TrtLogger& logger);

// Whole-file helpers. WriteFileAtomic writes a sibling temp file, then renames it, so a
// concurrent reader never sees half a cache file.
std::vector<char> ReadWholeFile(const std::string& path);
void WriteFileAtomic(const std::string& path, const void* data, size_t sizeBytes);

}  // namespace vramgate::trt
