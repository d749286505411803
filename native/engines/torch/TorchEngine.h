// libtorch engine: runs a TorchScript module on one CUDA device.
//
// What is built once (the Engine): the module, cast to the scenario's precision, and the
// planted faults' storage. What a strategy keeps or releases (a Context): its input
// tensors (grow-only flat buffers viewed at each call's shape, or exact buffers for a
// per-shape context), the last call's outputs, and for per-shape with cudaGraph a
// captured CUDA graph with its private memory pool. All device memory goes through
// libtorch's caching allocator, so torchAllocatedBytes / torchReservedBytes see it.
//
// Threading: every call comes from the StrategyRunner's one worker thread (see
// strategy_loop.h), except MemoryStats() and Versions(), which are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <cuda_runtime_api.h>
#include <torch/script.h>

#include "engines/engine.h"

namespace vramgate {

class TorchEngine final : public Engine {
 public:
  explicit TorchEngine(EngineConfig cfg);
  ~TorchEngine() override;
  TorchEngine(const TorchEngine&) = delete;
  TorchEngine& operator=(const TorchEngine&) = delete;

  std::string Name() const override { return "libtorch"; }
  std::map<std::string, std::string> Versions() const override;
  // Throws std::runtime_error (user-facing) for int8/fp8, no CUDA device, a missing or
  // unreadable model file.
  void Load() override;
  std::string Unsupported(const std::string& strategy) const override;
  std::unique_ptr<Context> CreateContext(const ContextOptions& opts) override;
  // Returns the cached blocks freed by the scoped context to the driver.
  void AfterRelease() override;
  // torchAllocatedBytes, torchReservedBytes (caching allocator, current, this device),
  // plantedLeakBytes, retainedOutputs; cudaUsedBytes (device-wide, cudaMemGetInfo) when
  // options["memGetInfo"] is "true".
  std::map<std::string, int64_t> MemoryStats() override;

  // --- used by TorchContext (same thread as the StrategyRunner) ---
  c10::Device device() const { return device_; }
  // Element type fed to model input i: the profile's integer dtype, else the precision's.
  c10::ScalarType InputType(size_t inputIndex) const;
  // Values model input i is filled with (the profile's; not given: the default fill).
  const InputValues& InputValuesAt(size_t inputIndex) const;
  bool cudaGraphs() const { return cudaGraphs_; }
  // Runs the module on the current stream; c10::Error propagates (callers translate it).
  c10::IValue Forward(std::vector<c10::IValue>& inputs);
  // Grow-only flat buffers shared by user-managed contexts.
  std::vector<torch::Tensor>& sharedBuffers() { return sharedBuffers_; }
  // Counts the call and applies the planted faults (leak bytes, retained outputs).
  void AfterCall(const c10::IValue& outputs);
  cudaEvent_t startEvent() const { return startEvent_; }
  cudaEvent_t endEvent() const { return endEvent_; }

 private:
  EngineConfig cfg_;
  c10::Device device_;
  c10::ScalarType computeType_ = c10::ScalarType::Float;
  torch::jit::Module module_;
  bool loaded_ = false;
  bool cudaGraphs_ = false;
  bool memGetInfo_ = false;
  cudaEvent_t startEvent_ = nullptr;
  cudaEvent_t endEvent_ = nullptr;
  std::vector<torch::Tensor> sharedBuffers_;
  int64_t calls_ = 0;
  // Planted faults: kept until the engine is destroyed, never released by any strategy.
  // The counters are atomic because MemoryStats() may run on another thread.
  std::vector<torch::Tensor> leaked_;
  std::atomic<int64_t> leakedBytes_{0};
  std::vector<c10::IValue> retained_;
  std::atomic<int64_t> retainedCount_{0};
};

// Maps a precision name to the module's compute type; throws std::runtime_error for
// int8/fp8 and unknown names.
c10::ScalarType TorchComputeType(const std::string& precision);

}  // namespace vramgate
