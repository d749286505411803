#include "TrtEngine.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include "../../common/clock.h"
#include "../factory.h"
#include "../strategy_loop.h"
#include "trt_build.h"
#include "trt_tensors.h"

namespace vramgate {

std::unique_ptr<Engine> CreateTensorRtEngine(const EngineConfig& cfg) { return std::make_unique<trt::TrtEngine>(cfg); }

std::string TensorRtBuildVersion() {
  return std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." +
         std::to_string(NV_TENSORRT_PATCH);
}

namespace trt {
namespace {

std::string VersionText(int32_t version) {
  return std::to_string(version / 10000) + "." + std::to_string((version / 100) % 100) + "." +
         std::to_string(version % 100);
}

// Input fill byte when the scenario gives no values: 0x3C repeated reads as about 0.0115
// in float32 and 1.06 in float16, finite and non-zero, so kernels do real work; integer
// inputs (indices, masks) get 0, which is valid for any gather.
int InputFillByte(nvinfer1::DataType type) {
  using nvinfer1::DataType;
  return type == DataType::kFLOAT || type == DataType::kHALF || type == DataType::kBF16 ? 0x3C : 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// TrtEngine

TrtEngine::TrtEngine(EngineConfig cfg) : cfg_(std::move(cfg)) {}

TrtEngine::~TrtEngine() {
  if (contextsLive_ > 0) {
    // A context outlives the engine only when the persistent strategy kept it on purpose;
    // destroying what it uses would turn "never released" into a crash at exit.
    (void)engine_.release();
    (void)runtime_.release();
    (void)allocator_.release();
    (void)logger_.release();
    (void)userBlock_.buffer.Release();
  }
}

std::map<std::string, std::string> TrtEngine::Versions() const {
  std::map<std::string, std::string> out{{"tensorrt", VersionText(getInferLibVersion())}};
  int cudaRuntime = 0;
  if (cudaRuntimeGetVersion(&cudaRuntime) == cudaSuccess) {
    out["cuda-runtime"] = std::to_string(cudaRuntime / 1000) + "." + std::to_string((cudaRuntime % 1000) / 10);
  }
  return out;
}

std::string TrtEngine::Unsupported(const std::string& /*strategy*/) const { return ""; }

void TrtEngine::Load() {
  if (engine_) return;
  if (cfg_.modelPath.empty())
    throw std::runtime_error("the tensorrt engine needs a model path (ONNX, .plan or .engine)");
  opts_ = ParseTrtOptions(cfg_.options);
  logger_ = std::make_unique<TrtLogger>(TrtLogger::ParseLevel(opts_.logLevel));
  CheckCuda(cudaSetDevice(cfg_.device), "cudaSetDevice(" + std::to_string(cfg_.device) + ")");
  allocator_ = std::make_unique<CountingGpuAllocator>();
  runtime_.reset(nvinfer1::createInferRuntime(*logger_));
  if (!runtime_) throw std::runtime_error("TensorRT createInferRuntime failed: " + logger_->LastError());
  runtime_->setGpuAllocator(allocator_.get());

  Plan plan = LoadOrBuildPlan(cfg_, opts_, *logger_);
  logger_->ClearLastError();
  engine_.reset(runtime_->deserializeCudaEngine(plan.bytes.data(), plan.bytes.size()));
  if (!engine_ && plan.origin == "engine cache hit" && !allocator_->TakeOutOfMemory() &&
      !logger_->LastErrorIsOutOfMemory()) {
    // A cached engine that no longer loads (truncated, or a driver update changed what the
    // key cannot see) is rebuilt once rather than failing every run until someone deletes it.
    std::fprintf(stderr, "[vramgate tensorrt] warning: cached engine %s did not load (%s); rebuilding it\n",
                 plan.cachePath.c_str(), logger_->LastError().c_str());
    std::error_code ignored;
    std::filesystem::remove(plan.cachePath, ignored);
    plan = LoadOrBuildPlan(cfg_, opts_, *logger_);
    logger_->ClearLastError();
    engine_.reset(runtime_->deserializeCudaEngine(plan.bytes.data(), plan.bytes.size()));
  }
  if (!engine_) {
    std::string hint;
    if (plan.origin == "plan file") {
      hint = " (a plan only loads with the TensorRT version and GPU it was built for; this is TensorRT " +
             VersionText(getInferLibVersion()) + ")";
    }
    const std::string message = "TensorRT could not deserialize the engine from " +
                                (plan.cachePath.empty() ? cfg_.modelPath : plan.cachePath) + ": " +
                                logger_->LastError() + hint;
    if (allocator_->TakeOutOfMemory() || logger_->LastErrorIsOutOfMemory()) throw OutOfMemory(message);
    throw std::runtime_error(message);
  }

  for (int32_t i = 0; i < engine_->getNbIOTensors(); ++i) {
    IoTensor t;
    t.name = engine_->getIOTensorName(i);
    t.isInput = engine_->getTensorIOMode(t.name.c_str()) == nvinfer1::TensorIOMode::kINPUT;
    t.type = engine_->getTensorDataType(t.name.c_str());
    if (engine_->getTensorLocation(t.name.c_str()) == nvinfer1::TensorLocation::kHOST) {
      throw std::runtime_error("tensor \"" + t.name +
                               "\" is a host-side shape tensor; the tensorrt engine feeds device tensors only");
    }
    if (t.isInput) t.profileMax = engine_->getProfileShape(t.name.c_str(), 0, nvinfer1::OptProfileSelector::kMAX);
    io_.push_back(std::move(t));
  }
  // The scenario's profile must fit profile 0 of the engine (a plan file brings its own).
  for (const auto& p : cfg_.profile) {
    const IoTensor* input = nullptr;
    for (const auto& t : io_) {
      if (t.isInput && t.name == p.name) input = &t;
    }
    if (input == nullptr) {
      std::string names;
      for (const auto& t : io_) {
        if (t.isInput) names += (names.empty() ? "" : ", ") + t.name;
      }
      throw std::runtime_error("profile names input \"" + p.name +
                               "\", which the engine does not have (its inputs: " + names + ")");
    }
    const nvinfer1::Dims min = engine_->getProfileShape(p.name.c_str(), 0, nvinfer1::OptProfileSelector::kMIN);
    const nvinfer1::Dims& max = input->profileMax;
    bool fits = static_cast<int32_t>(p.min.size()) == min.nbDims && static_cast<int32_t>(p.max.size()) == max.nbDims;
    for (int32_t d = 0; fits && d < min.nbDims; ++d) fits = p.min[d] >= min.d[d] && p.max[d] <= max.d[d];
    if (!fits) {
      throw std::runtime_error("profile." + p.name + " (min " + DimsText(p.min) + ", max " + DimsText(p.max) +
                               ") does not fit the engine's profile 0 (min " + DimsText(min) + ", max " +
                               DimsText(max) + ")");
    }
  }
  if (engine_->getNbOptimizationProfiles() > 1) {
    std::fprintf(stderr, "[vramgate tensorrt] note: the engine has %d optimization profiles; contexts use profile 0\n",
                 engine_->getNbOptimizationProfiles());
  }
  engineDeviceBytes_ = engine_->getDeviceMemorySizeV2();
  profileDeviceBytes_ = engine_->getDeviceMemorySizeForProfileV2(0);
  std::fprintf(
      stderr, "[vramgate tensorrt] TensorRT %s, engine from %s%s%s, context memory %lld bytes (profile 0: %lld)\n",
      VersionText(getInferLibVersion()).c_str(), plan.origin.c_str(), plan.cachePath.empty() ? "" : " ",
      plan.cachePath.c_str(), static_cast<long long>(engineDeviceBytes_), static_cast<long long>(profileDeviceBytes_));
}

std::unique_ptr<Context> TrtEngine::CreateContext(const ContextOptions& opts) {
  if (!engine_) throw std::logic_error("TrtEngine::CreateContext before Load");
  // The strategy loop's thread is the one that calls; make sure CUDA targets our device there.
  CheckCuda(cudaSetDevice(cfg_.device), "cudaSetDevice(" + std::to_string(cfg_.device) + ")");
  return std::make_unique<TrtContext>(*this, opts);
}

std::map<std::string, int64_t> TrtEngine::MemoryStats() {
  // Called after every call: only cached figures and counters, no TensorRT queries.
  return {
      {"trtEngineDeviceBytes", engineDeviceBytes_},
      {"trtProfileDeviceBytes", profileDeviceBytes_},
      {"trtContextBytes", contextBytes_},
      {"trtIoBytes", ioBytes_},
      {"trtUserBlockBytes", userBlock_.buffer.sizeBytes()},
      {"trtAllocatorBytes", allocator_ ? allocator_->liveBytes() : 0},
      {"trtAllocatorPeakBytes", allocator_ ? allocator_->peakBytes() : 0},
      {"trtCudaGraphs", graphsLive_},
      {"trtFaultLeakedBytes", leakedBytes_},
      {"trtFaultRetainedBytes", retainedBytes_},
  };
}

const TrtEngine::UserBlock& TrtEngine::UserBlockFor(int64_t neededBytes) {
  if (userBlock_.generation != 0 && neededBytes <= userBlock_.buffer.sizeBytes()) return userBlock_;
  // Free before allocating: the old block is idle (every call synchronizes its stream) and
  // holding both would double the peak at exactly the moment memory is tightest.
  userBlock_.buffer = DeviceBuffer();
  // Bumped before allocating: if the allocation fails, contexts bound to the freed block
  // still see a new generation and rebind before their next enqueue.
  ++userBlock_.generation;
  userBlock_.buffer = DeviceBuffer(neededBytes, "the user-managed context memory block");
  return userBlock_;
}

void TrtEngine::LeakForCall() {
  if (cfg_.faults.leakBytesPerIteration <= 0) return;
  DeviceBuffer leak(cfg_.faults.leakBytesPerIteration, "the injected leak (faults.leakBytesPerIteration)");
  leaked_.push_back(leak.Release());
  leakedBytes_ += cfg_.faults.leakBytesPerIteration;
}

bool TrtEngine::NextCallRetainsOutputs() {
  ++calls_;
  return cfg_.faults.retainOutputsEvery > 0 && calls_ % cfg_.faults.retainOutputsEvery == 0;
}

void* TrtEngine::RetainedOutput(int64_t sizeBytes, const std::string& tensorName) {
  DeviceBuffer kept(sizeBytes, "output \"" + tensorName + "\" kept alive (faults.retainOutputsEvery)");
  retainedBytes_ += kept.sizeBytes();
  retained_.push_back(kept.Release());
  return retained_.back();
}

void TrtEngine::ThrowTrtFailure(const std::string& what) {
  const cudaError_t cudaStatus = cudaGetLastError();
  const bool outOfMemory =
      allocator_->TakeOutOfMemory() || logger_->LastErrorIsOutOfMemory() || cudaStatus == cudaErrorMemoryAllocation;
  std::string message = "TensorRT " + what + " failed";
  const std::string last = logger_->LastError();
  if (!last.empty()) message += ": " + last;
  if (cudaStatus != cudaSuccess) message += std::string(" (CUDA: ") + cudaGetErrorString(cudaStatus) + ")";
  logger_->ClearLastError();
  if (outOfMemory) throw OutOfMemory(message);
  throw std::runtime_error(message);
}

// ---------------------------------------------------------------------------------------
// TrtContext

TrtContext::TrtContext(TrtEngine& engine, const ContextOptions& opts)
    : engine_(engine), userManaged_(opts.userManagedMemory) {
  engine_.logger_->ClearLastError();
  (void)engine_.allocator_->TakeOutOfMemory();
  const auto strategy =
      userManaged_ ? nvinfer1::ExecutionContextAllocationStrategy::kUSER_MANAGED : engine_.opts_.allocation;
  context_.reset(engine_.engine_->createExecutionContext(strategy));
  if (!context_) engine_.ThrowTrtFailure("createExecutionContext");
  if (!userManaged_) {
    declaredContextBytes_ = strategy == nvinfer1::ExecutionContextAllocationStrategy::kSTATIC
                                ? engine_.engineDeviceBytes_
                                : engine_.profileDeviceBytes_;
  }

  // I/O buffers are sized once: for this context's shape (per-shape), else for the
  // profile's max (persistent, teardown, user-managed; scoped does the same on every call
  // because its context lives for one call).
  ShapeMap sizing;
  if (opts.shape != nullptr) {
    sizing = *opts.shape;
  } else {
    for (const auto& t : engine_.io_) {
      if (t.isInput) sizing.emplace_back(t.name, FromTrtDims(t.profileMax));
    }
  }
  SetInputShapes(sizing);
  AllocateBuffers();

  engine_.contextsLive_ += 1;
  engine_.contextBytes_ += declaredContextBytes_;
  engine_.ioBytes_ += ioBytes_;
}

TrtContext::~TrtContext() {
  (void)cudaStreamSynchronize(stream_.get());
  DropGraphs();
  context_.reset();
  engine_.contextsLive_ -= 1;
  engine_.contextBytes_ -= declaredContextBytes_;
  engine_.ioBytes_ -= ioBytes_;
  // buffers_, events and the stream are released by their destructors, in that order.
}

void TrtContext::SetInputShapes(const ShapeMap& shape) {
  size_t matched = 0;
  for (const auto& t : engine_.io_) {
    if (!t.isInput) continue;
    const Dims* dims = nullptr;
    for (const auto& [name, d] : shape) {
      if (name == t.name) dims = &d;
    }
    if (dims == nullptr) throw std::runtime_error("no shape given for engine input \"" + t.name + "\"");
    ++matched;
    if (!context_->setInputShape(t.name.c_str(), ToTrtDims(*dims, t.name))) {
      const auto min = engine_.engine_->getProfileShape(t.name.c_str(), 0, nvinfer1::OptProfileSelector::kMIN);
      throw std::runtime_error("TensorRT refused shape " + DimsText(*dims) + " for input \"" + t.name +
                               "\" (profile 0 accepts " + DimsText(min) + " to " + DimsText(t.profileMax) + ")");
    }
  }
  if (matched != shape.size()) {
    std::string names;
    for (const auto& [name, d] : shape) names += (names.empty() ? "" : ", ") + name;
    throw std::runtime_error("the shape names inputs the engine does not have (" + names + ")");
  }
}

void TrtContext::AllocateBuffers() {
  buffers_.reserve(engine_.io_.size());
  for (const auto& t : engine_.io_) {
    const int64_t bytes = TensorBytes(context_->getTensorShape(t.name.c_str()), t.type, t.name);
    buffers_.emplace_back(bytes, (t.isInput ? "input \"" : "output \"") + t.name + "\"");
    ioBytes_ += buffers_.back().sizeBytes();
    if (t.isInput && bytes > 0) {
      if (const std::vector<uint8_t>* pattern = engine_.InputPattern(t, bytes)) {
        // Pageable source: the copy is done when the call returns, before the stream sync below.
        CheckCuda(cudaMemcpyAsync(buffers_.back().data(), pattern->data(), static_cast<size_t>(bytes),
                                  cudaMemcpyHostToDevice, stream_.get()),
                  "filling input \"" + t.name + "\" with its values");
      } else {
        CheckCuda(
            cudaMemsetAsync(buffers_.back().data(), InputFillByte(t.type), static_cast<size_t>(bytes), stream_.get()),
            "filling input \"" + t.name + "\"");
      }
    }
  }
  CheckCuda(cudaStreamSynchronize(stream_.get()), "cudaStreamSynchronize after filling inputs");
}

const std::vector<uint8_t>* TrtEngine::InputPattern(const IoTensor& t, int64_t bytes) {
  const InputValues* values = nullptr;
  for (const auto& p : cfg_.profile) {
    if (p.name == t.name) values = &p.values;
  }
  if (values == nullptr || !values->given) return nullptr;
  auto it = inputPatterns_.find(t.name);
  if (it == inputPatterns_.end() || static_cast<int64_t>(it->second.size()) < bytes) {
    // Sized for the profile max at once, so host memory does not step up with new shapes.
    const int64_t size = std::max(bytes, TensorBytes(t.profileMax, t.type, t.name));
    std::vector<uint8_t> pattern;
    if (!FillValuesPattern(t.type, *values, size, &pattern)) return nullptr;
    it = inputPatterns_.insert_or_assign(t.name, std::move(pattern)).first;
  }
  return static_cast<int64_t>(it->second.size()) >= bytes ? &it->second : nullptr;
}

void TrtContext::BindUserMemory() {
  const size_t needed = context_->updateDeviceMemorySizeForShapes();
  if (needed == 0 && engine_.engineDeviceBytes_ > 0) engine_.ThrowTrtFailure("updateDeviceMemorySizeForShapes");
  const TrtEngine::UserBlock& block = engine_.UserBlockFor(static_cast<int64_t>(needed));
  if (block.generation != userBlockGeneration_) {
    context_->setDeviceMemoryV2(block.buffer.data(), block.buffer.sizeBytes());
    userBlockGeneration_ = block.generation;
    DropGraphs();  // captured graphs point into the block this context no longer uses
  }
}

void TrtContext::DropGraphs() {
  engine_.graphsLive_ -= static_cast<int64_t>(graphs_.size());
  graphs_.clear();
}

void TrtContext::CaptureGraph(const std::string& shapeKey) {
  cudaStream_t stream = stream_.get();
  CheckCuda(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  const bool enqueued = context_->enqueueV3(stream);
  cudaGraph_t graph = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  cudaGraphExec_t exec = nullptr;
  cudaError_t instantiated = cudaErrorUnknown;
  if (enqueued && ended == cudaSuccess && graph != nullptr) {
    instantiated = cudaGraphInstantiateWithFlags(&exec, graph, 0);
  }
  if (graph != nullptr) (void)cudaGraphDestroy(graph);
  if (instantiated == cudaErrorMemoryAllocation) CheckCuda(instantiated, "cudaGraphInstantiate");
  if (!enqueued || ended != cudaSuccess || instantiated != cudaSuccess) {
    (void)cudaGetLastError();
    engine_.logger_->ClearLastError();
    uncapturable_.insert(shapeKey);
    std::fprintf(stderr,
                 "[vramgate tensorrt] warning: CUDA graph capture failed for shape %s; running it without "
                 "a graph\n",
                 shapeKey.c_str());
    return;
  }
  graphs_.emplace(shapeKey, GraphExec(exec));
  engine_.graphsLive_ += 1;
}

void TrtContext::Infer(const ShapeMap& shape, CallTiming* timing) {
  const int64_t startNs = MonotonicNs();
  cudaStream_t stream = stream_.get();
  engine_.logger_->ClearLastError();
  (void)engine_.allocator_->TakeOutOfMemory();  // only a failure during this call counts

  SetInputShapes(shape);
  if (userManaged_) BindUserMemory();

  engine_.LeakForCall();
  const bool retain = engine_.NextCallRetainsOutputs();
  for (size_t i = 0; i < engine_.io_.size(); ++i) {
    const auto& t = engine_.io_[i];
    const int64_t needed = TensorBytes(context_->getTensorShape(t.name.c_str()), t.type, t.name);
    if (needed > buffers_[i].sizeBytes()) {
      throw std::runtime_error("shape " + ShapeKey(shape) + " needs " + std::to_string(needed) + " bytes for \"" +
                               t.name + "\" but this context's buffer holds " +
                               std::to_string(buffers_[i].sizeBytes()) + " (sized for another shape)");
    }
    void* address = buffers_[i].data();
    if (retain && !t.isInput) address = engine_.RetainedOutput(needed, t.name);
    if (!context_->setTensorAddress(t.name.c_str(), address)) {
      engine_.ThrowTrtFailure("setTensorAddress(\"" + t.name + "\")");
    }
  }

  // A graph replays the addresses it was captured with, so a call that writes to a
  // retained (fresh) output buffer runs without one.
  const bool useGraph = engine_.opts_.cudaGraph && !retain;
  const std::string key = useGraph ? ShapeKey(shape) : std::string();
  auto graph = useGraph ? graphs_.find(key) : graphs_.end();

  CheckCuda(cudaEventRecord(start_.get(), stream), "cudaEventRecord");
  if (graph != graphs_.end()) {
    CheckCuda(cudaGraphLaunch(graph->second.get(), stream), "cudaGraphLaunch");
  } else if (!context_->enqueueV3(stream)) {
    engine_.ThrowTrtFailure("enqueueV3");
  }
  CheckCuda(cudaEventRecord(stop_.get(), stream), "cudaEventRecord");
  CheckCuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize after inference");
  float gpuMs = -1;
  CheckCuda(cudaEventElapsedTime(&gpuMs, start_.get(), stop_.get()), "cudaEventElapsedTime");

  // First call of a shape ran through enqueueV3 above (TensorRT needs one ordinary enqueue
  // after a shape change before capture); capture it now for the calls that follow.
  if (useGraph && graph == graphs_.end() && uncapturable_.count(key) == 0) CaptureGraph(key);

  if (timing != nullptr) {
    timing->startNs = startNs;
    timing->endNs = MonotonicNs();
    timing->gpuMs = gpuMs;
  }
}

}  // namespace trt
}  // namespace vramgate
