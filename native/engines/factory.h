// Creates the engine for a kind name. Engines whose SDK was not found at build time are
// absent; CreateEngine then throws std::runtime_error saying how to build them in.
// Engine helpers define their Create* function in their own folder:
//   native/engines/torch/    std::unique_ptr<Engine> CreateTorchEngine(const EngineConfig&);
//   native/engines/tensorrt/ std::unique_ptr<Engine> CreateTensorRtEngine(const EngineConfig&);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine.h"

namespace vramgate {

// The version strings probe() reports come from the optional compile definitions
// VRAMGATE_TORCH_VERSION / VRAMGATE_TENSORRT_VERSION (string literals) set by the engine's
// .cmake file (see the contract at the top of CMakeLists.txt).
#ifdef VRAMGATE_WITH_TORCH
std::unique_ptr<Engine> CreateTorchEngine(const EngineConfig& cfg);
#endif
#ifdef VRAMGATE_WITH_TENSORRT
std::unique_ptr<Engine> CreateTensorRtEngine(const EngineConfig& cfg);
#endif
// Always built: a CPU engine for the harness's own tests (native/engines/host/).
std::unique_ptr<Engine> CreateHostEngine(const EngineConfig& cfg);

// Throws std::runtime_error for an unknown kind or one not built into this addon.
std::unique_ptr<Engine> CreateEngine(const std::string& kind, const EngineConfig& cfg);

// Why an engine kind is not built in (the configure step's reason), "" when built or unknown.
std::string EngineMissingReason(const std::string& kind);

// Kinds built into this addon, e.g. {"host", "libtorch"}.
std::vector<std::string> BuiltEngineKinds();

}  // namespace vramgate
