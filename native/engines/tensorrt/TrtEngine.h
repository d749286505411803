// The TensorRT engine behind the native Engine/Context contract (engine.h).
//
// TrtEngine owns what is made once: the runtime, the deserialized ICudaEngine, the
// counting GPU allocator, the user-managed device block (shared by user-managed
// contexts, grow-only) and what the fault injectors keep alive. TrtContext owns what a
// strategy keeps or releases: one IExecutionContext, its stream and events, its I/O
// buffers and its CUDA graphs. When contexts are created and destroyed is decided by the
// shared strategy loop (strategy_loop.h), never here.
//
// Threading: every call comes from the strategy loop's one worker thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <NvInferRuntime.h>

#include "../engine.h"
#include "trt_allocator.h"
#include "trt_compat.h"
#include "trt_cuda.h"
#include "trt_logger.h"
#include "trt_options.h"

namespace vramgate::trt {

class TrtContext;

class TrtEngine final : public Engine {
 public:
  explicit TrtEngine(EngineConfig cfg);
  // With a context still alive (the persistent strategy keeps its own on purpose) the
  // TensorRT objects it uses are left alive too, instead of being destroyed under it.
  ~TrtEngine() override;
  TrtEngine(const TrtEngine&) = delete;
  TrtEngine& operator=(const TrtEngine&) = delete;

  std::string Name() const override { return "tensorrt"; }
  // {"tensorrt": runtime library version, "cuda-runtime": CUDA runtime version}.
  std::map<std::string, std::string> Versions() const override;
  // Reads a .plan/.engine or builds from ONNX (engine cache in tensorrt.cacheDir), then
  // deserializes. Throws std::runtime_error (user-facing) or OutOfMemory.
  void Load() override;
  // Every strategy is supported.
  std::string Unsupported(const std::string& strategy) const override;
  std::unique_ptr<Context> CreateContext(const ContextOptions& opts) override;
  // trtEngineDeviceBytes, trtProfileDeviceBytes, trtContextBytes, trtIoBytes,
  // trtUserBlockBytes, trtAllocatorBytes, trtAllocatorPeakBytes, trtCudaGraphs,
  // trtFaultLeakedBytes, trtFaultRetainedBytes.
  std::map<std::string, int64_t> MemoryStats() override;

 private:
  friend class TrtContext;

  struct IoTensor {
    std::string name;
    bool isInput = false;
    nvinfer1::DataType type = nvinfer1::DataType::kFLOAT;
    nvinfer1::Dims profileMax{};  // inputs: profile 0's max shape
  };

  // The shared block for user-managed contexts. generation changes whenever the block is
  // replaced, so each context knows when to call setDeviceMemoryV2 again.
  struct UserBlock {
    DeviceBuffer buffer;
    uint64_t generation = 0;
  };

  // Host bytes an input is filled from when the scenario gives its values, built once at
  // the profile max (a buffer for any smaller shape is a prefix); nullptr: no values given
  // (or a type with no such fill), so the default memset fill applies.
  const std::vector<uint8_t>* InputPattern(const IoTensor& t, int64_t bytes);
  // Grows the shared block to at least neededBytes (never shrinks) and returns it.
  const UserBlock& UserBlockFor(int64_t neededBytes);
  // Fault injection, once per call (engine-level: survives every context).
  void LeakForCall();
  bool NextCallRetainsOutputs();
  void* RetainedOutput(int64_t sizeBytes, const std::string& tensorName);
  // Throws OutOfMemory when the allocator, CUDA or TensorRT's log says memory ran out,
  // else std::runtime_error; the message carries TensorRT's last error.
  [[noreturn]] void ThrowTrtFailure(const std::string& what);

  EngineConfig cfg_;
  TrtOptions opts_;
  // Declaration order is destruction order in reverse: the engine goes before the
  // runtime, the runtime before the allocator and logger it was given.
  std::unique_ptr<TrtLogger> logger_;
  std::unique_ptr<CountingGpuAllocator> allocator_;
  std::unique_ptr<nvinfer1::IRuntime> runtime_;
  std::unique_ptr<nvinfer1::ICudaEngine> engine_;
  std::vector<IoTensor> io_;                                   // the engine's I/O tensors in engine order
  std::map<std::string, std::vector<uint8_t>> inputPatterns_;  // by input name (InputPattern)

  int64_t engineDeviceBytes_ = 0;   // getDeviceMemorySizeV2(): most any context needs
  int64_t profileDeviceBytes_ = 0;  // getDeviceMemorySizeForProfileV2(0)

  // Live figures, kept up to date by TrtContext's constructor and destructor.
  int64_t contextsLive_ = 0;
  int64_t contextBytes_ = 0;  // device memory contexts took for themselves (not user-managed)
  int64_t ioBytes_ = 0;
  int64_t graphsLive_ = 0;
  UserBlock userBlock_;

  int64_t calls_ = 0;
  std::vector<void*> leaked_;  // never freed: that is the injected fault
  int64_t leakedBytes_ = 0;
  std::vector<void*> retained_;  // never freed: outputs kept alive like issue 3836's allocators
  int64_t retainedBytes_ = 0;
};

class TrtContext final : public Context {
 public:
  TrtContext(TrtEngine& engine, const ContextOptions& opts);
  ~TrtContext() override;
  TrtContext(const TrtContext&) = delete;
  TrtContext& operator=(const TrtContext&) = delete;

  void Infer(const ShapeMap& shape, CallTiming* timing) override;

 private:
  void SetInputShapes(const ShapeMap& shape);
  void AllocateBuffers();
  void BindUserMemory();
  void DropGraphs();
  // Captures one enqueueV3 into a graph for shapeKey; on failure remembers the shape as
  // uncapturable and goes on without graphs for it.
  void CaptureGraph(const std::string& shapeKey);

  TrtEngine& engine_;
  const bool userManaged_;
  int64_t declaredContextBytes_ = 0;
  int64_t ioBytes_ = 0;
  // Member order matters for destruction: graphs, then the TensorRT context, then the
  // buffers it pointed at, then events and the stream.
  Stream stream_;
  Event start_;
  Event stop_;
  std::vector<DeviceBuffer> buffers_;  // one per engine I/O tensor, in engine order
  std::unique_ptr<nvinfer1::IExecutionContext> context_;
  std::map<std::string, GraphExec> graphs_;  // by ShapeKey
  std::set<std::string> uncapturable_;
  uint64_t userBlockGeneration_ = 0;  // 0 = no device memory set yet
};

}  // namespace vramgate::trt
