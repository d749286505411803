// The engine contract shared by every native engine (libtorch, TensorRT).
// An Engine owns what is built once (module weights, TensorRT engine); a Context owns
// what a strategy keeps or releases (TensorRT execution context + I/O buffers, libtorch
// per-call tensors and cached blocks). The strategy loop (strategy_loop.h) is the only
// place that decides when contexts are created and destroyed, so every engine gets
// persistent / teardown / scoped / per-shape / user-managed from the same code.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace vramgate {

using Dims = std::vector<int64_t>;
// One shape per model input, in the model's input order.
using ShapeMap = std::vector<std::pair<std::string, Dims>>;

// Values an input is filled with (the scenario's profile.inputs.<name>.values). Without
// one, each engine keeps its own default fill; "ones" / "zeros" arrive as 1..1 / 0..0.
struct InputValues {
  bool given = false;
  double min = 0;  // inclusive; integral for integer dtypes (checked by the scenario parser)
  double max = 0;  // inclusive
};

struct InputProfile {
  std::string name;
  Dims min, opt, max;
  std::string dtype;  // "float32" | "float16" | "int64" | "int32"
  InputValues values;
};

// Stride of the integer fill: a prime above 2^31, so for ranges of up to 2^31 values
// element i's value min + (i * kValueStride) mod n visits every value once per n elements.
constexpr int64_t kValueStride = 2654435761;
// Float fill: element i's fraction frac(i * kValueGolden), an even spread over [0, 1).
constexpr double kValueGolden = 0.6180339887498949;

struct FaultConfig {
  int64_t leakBytesPerIteration = 0;  // cudaMalloc'd and never freed, per call
  int64_t retainOutputsEvery = 0;     // keep every Nth call's outputs alive forever
};

struct EngineConfig {
  std::string modelPath;
  std::string precision;  // fp32 | fp16 | bf16 | int8 | fp8
  int device = 0;
  std::vector<InputProfile> profile;
  FaultConfig faults;
  // Engine-specific options as strings (workspaceMiB, allocationStrategy, cudaGraph, cacheDir, …).
  std::map<std::string, std::string> options;
};

// Per-call timing. hostNs always; gpuNs from CUDA events where the engine has a stream.
struct CallTiming {
  int64_t startNs = 0;  // CLOCK_MONOTONIC
  int64_t endNs = 0;    // CLOCK_MONOTONIC
  double gpuMs = -1;    // < 0 when not measured
};

struct ContextOptions {
  // The shape this context is made for (per-shape pools), or empty for any shape.
  const ShapeMap* shape = nullptr;
  // user-managed: the context takes device memory from the engine's shared, grow-only block.
  bool userManagedMemory = false;
};

class Context {
 public:
  virtual ~Context() = default;  // deactivate: releases what the context owns
  virtual void Infer(const ShapeMap& shape, CallTiming* timing) = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string Name() const = 0;
  // Library versions, e.g. {"libtorch", "2.11.0"}.
  virtual std::map<std::string, std::string> Versions() const = 0;
  // Parse/build/load once; not timed. Throws std::runtime_error with a user-facing message.
  virtual void Load() = 0;
  // Empty string when the strategy is supported, else why not.
  virtual std::string Unsupported(const std::string& strategy) const = 0;
  virtual std::unique_ptr<Context> CreateContext(const ContextOptions& opts) = 0;
  // Called after the strategy destroyed its contexts: after every scoped call, and at
  // Finish() for teardown / per-shape / user-managed (libtorch: empty the caching allocator).
  virtual void AfterRelease() {}
  // Engine-level memory figures in bytes (allocator allocated/reserved, engine/context memory).
  virtual std::map<std::string, int64_t> MemoryStats() = 0;
};

// Thrown by engines when the device ran out of memory (a finding: state `oom`).
struct OutOfMemory : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace vramgate
