#include "engines/torch/TorchEngine.h"

#include <ATen/cuda/CUDAGraph.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/InferenceMode.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <utility>

#include "common/clock.h"
#include "common/oom.h"
#include "engines/factory.h"
#include "engines/strategy_loop.h"

namespace vramgate {
namespace {

// Runs before capture so TorchScript's profiling executor has settled on its optimized
// graph and cuDNN/cuBLAS have their handles and workspaces for the capture stream.
constexpr int kGraphWarmupRuns = 3;
// libtorch errors can carry pages of TorchScript traceback; the first part says what failed.
constexpr size_t kMaxErrorChars = 3000;

std::string Brief(const c10::Error& e) {
  std::string msg = e.what_without_backtrace();
  if (msg.size() > kMaxErrorChars) msg = msg.substr(0, kMaxErrorChars) + " …";
  return msg;
}

bool OptionTrue(const std::map<std::string, std::string>& options, const std::string& key) {
  auto it = options.find(key);
  return it != options.end() && (it->second == "true" || it->second == "1");
}

void CheckCuda(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return;
  std::string msg = std::string("libtorch engine: ") + what + " failed: " + cudaGetErrorString(err);
  if (err == cudaErrorMemoryAllocation) throw OutOfMemory(msg);
  throw std::runtime_error(msg);
}

// Runs fn, turning libtorch's exceptions into the engine contract's: OutOfMemory for a
// CUDA OOM (a finding), std::runtime_error with a readable message for anything else.
template <typename F>
void Translate(const std::string& what, F&& fn) {
  try {
    fn();
  } catch (const c10::OutOfMemoryError& e) {
    throw OutOfMemory("libtorch: CUDA out of memory while " + what + ": " + Brief(e));
  } catch (const c10::Error& e) {
    std::string msg = Brief(e);
    if (IsOutOfMemoryMessage(msg)) {
      throw OutOfMemory("libtorch: CUDA out of memory while " + what + ": " + msg);
    }
    throw std::runtime_error("libtorch: " + what + " failed: " + msg);
  }
}

int64_t Numel(const ShapeMap::value_type& input) {
  int64_t n = 1;
  for (int64_t d : input.second) {
    if (d < 1) {
      throw std::runtime_error("libtorch engine: input \"" + input.first + "\" has a dimension of " +
                               std::to_string(d) + "; every dimension must be at least 1");
    }
    n *= d;
  }
  return n;
}

// Deterministic, cheap, device-side: the same shape always gets the same values, and
// element i's value depends on i only, so a grown buffer starts with the old one's values.
// Without a values spec: integers i mod 97, floats in [-0.5, 0.5). With one: integers
// min + (i * kValueStride) mod n over the n values of [min, max], floats
// min + frac(i * kValueGolden) * (max - min).
void FillDeterministic(torch::Tensor& flat, const InputValues& values) {
  const bool integral = c10::isIntegralType(flat.scalar_type(), /*includeBool=*/false);
  if (!values.given) {
    auto ramp = torch::arange(flat.numel(), torch::TensorOptions().dtype(torch::kFloat).device(flat.device()));
    if (integral) {
      flat.copy_(ramp.remainder_(97));
    } else {
      flat.copy_(ramp.mul_(0.6180339887).frac_().sub_(0.5));
    }
    return;
  }
  if (values.min == values.max) {  // ones, zeros, or a one-value range
    if (integral) {
      flat.fill_(static_cast<int64_t>(values.min));
    } else {
      flat.fill_(values.min);
    }
    return;
  }
  auto ramp = torch::arange(flat.numel(), torch::TensorOptions().dtype(torch::kLong).device(flat.device()));
  if (integral) {
    const int64_t lo = static_cast<int64_t>(values.min);
    const int64_t n = static_cast<int64_t>(values.max) - lo + 1;
    if (n <= (int64_t{1} << 31)) {
      // (i mod n) * (stride mod n) < 2^62: the product cannot overflow int64.
      ramp.remainder_(n).mul_(kValueStride % n).remainder_(n);
    } else {
      ramp.remainder_(n);  // wider than any buffer: a plain ramp already never repeats
    }
    flat.copy_(ramp.add_(lo));
  } else {
    // Double: i * golden keeps its fraction exact enough for any buffer size.
    auto u = ramp.to(torch::kDouble).mul_(kValueGolden).frac_();
    flat.copy_(u.mul_(values.max - values.min).add_(values.min));
  }
}

// Views of grow-only flat buffers at this call's shape. A buffer is replaced only when a
// larger (or differently typed) input arrives, so a persistent context's memory plateaus
// at the largest shape seen.
std::vector<c10::IValue> ViewsFor(std::vector<torch::Tensor>& buffers, const ShapeMap& shape,
                                  const TorchEngine& engine) {
  if (buffers.size() < shape.size()) buffers.resize(shape.size());
  std::vector<c10::IValue> inputs;
  inputs.reserve(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    const int64_t numel = Numel(shape[i]);
    const c10::ScalarType type = engine.InputType(i);
    torch::Tensor& buf = buffers[i];
    if (!buf.defined() || buf.numel() < numel || buf.scalar_type() != type) {
      buf = torch::Tensor();  // release first so the allocator can reuse the block
      buf = torch::empty({numel}, torch::TensorOptions().dtype(type).device(engine.device()));
      FillDeterministic(buf, engine.InputValuesAt(i));
    }
    inputs.emplace_back(buf.narrow(0, 0, numel).view(shape[i].second));
  }
  return inputs;
}

class TorchContext final : public Context {
 public:
  TorchContext(TorchEngine& engine, const ContextOptions& opts) : engine_(engine), shared_(opts.userManagedMemory) {
    if (opts.shape == nullptr) return;  // buffers grow on the first call
    // Per-shape: exact buffers now, and the graph when asked for.
    c10::InferenceMode inference;
    c10::cuda::CUDAGuard deviceGuard(engine_.device());
    shapeKey_ = ShapeKey(*opts.shape);
    Translate("creating the context for " + shapeKey_, [&] {
      std::vector<c10::IValue> inputs = ViewsFor(buffers_, *opts.shape, engine_);
      if (engine_.cudaGraphs()) Capture(inputs);
    });
  }

  void Infer(const ShapeMap& shape, CallTiming* timing) override {
    timing->startNs = MonotonicNs();
    c10::InferenceMode inference;
    c10::cuda::CUDAGuard deviceGuard(engine_.device());
    Translate("running " + ShapeKey(shape), [&] {
      if (graph_) {
        if (ShapeKey(shape) != shapeKey_) {
          throw std::logic_error("CUDA graph captured for " + shapeKey_ + " replayed for " + ShapeKey(shape));
        }
        c10::cuda::CUDAStreamGuard streamGuard(*graphStream_);
        CheckCuda(cudaEventRecord(engine_.startEvent(), graphStream_->stream()), "cudaEventRecord");
        graph_->replay();
        CheckCuda(cudaEventRecord(engine_.endEvent(), graphStream_->stream()), "cudaEventRecord");
      } else {
        std::vector<c10::IValue> inputs = ViewsFor(shared_ ? engine_.sharedBuffers() : buffers_, shape, engine_);
        cudaStream_t stream = c10::cuda::getCurrentCUDAStream(engine_.device().index()).stream();
        CheckCuda(cudaEventRecord(engine_.startEvent(), stream), "cudaEventRecord");
        outputs_ = engine_.Forward(inputs);
        CheckCuda(cudaEventRecord(engine_.endEvent(), stream), "cudaEventRecord");
      }
      CheckCuda(cudaEventSynchronize(engine_.endEvent()), "synchronizing the inference");
      engine_.AfterCall(outputs_);
    });
    float ms = 0;
    if (cudaEventElapsedTime(&ms, engine_.startEvent(), engine_.endEvent()) == cudaSuccess) timing->gpuMs = ms;
    timing->endNs = MonotonicNs();
  }

 private:
  // Captures one forward on a side stream; replays reuse the same input and output
  // tensors, whose memory lives in the graph's private pool until the context dies.
  void Capture(std::vector<c10::IValue>& inputs) {
    const c10::DeviceIndex index = engine_.device().index();
    c10::cuda::getCurrentCUDAStream(index).synchronize();  // input fill done
    graphStream_ = c10::cuda::getStreamFromPool(/*isHighPriority=*/false, index);
    c10::cuda::CUDAStreamGuard streamGuard(*graphStream_);
    for (int i = 0; i < kGraphWarmupRuns; ++i) outputs_ = engine_.Forward(inputs);
    graphStream_->synchronize();
    graph_ = std::make_unique<at::cuda::CUDAGraph>();
    // Thread-local capture mode: the sampler thread's CUDA queries must not break it.
    graph_->capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
    outputs_ = engine_.Forward(inputs);
    graph_->capture_end();
    graphInputs_ = std::move(inputs);
  }

  TorchEngine& engine_;
  const bool shared_;  // user-managed: inputs live in the engine's shared buffers
  std::string shapeKey_;
  // Declared before the tensors so it is destroyed after them: the graph's private pool
  // is released once no tensor of it is alive.
  std::unique_ptr<at::cuda::CUDAGraph> graph_;
  std::optional<c10::cuda::CUDAStream> graphStream_;
  std::vector<torch::Tensor> buffers_;
  c10::IValue outputs_;
  std::vector<c10::IValue> graphInputs_;  // the captured graph reads these tensors
};

}  // namespace

c10::ScalarType TorchComputeType(const std::string& precision) {
  if (precision == "fp32") return torch::kFloat;
  if (precision == "fp16") return torch::kHalf;
  if (precision == "bf16") return torch::kBFloat16;
  if (precision == "int8" || precision == "fp8") {
    throw std::runtime_error("libtorch engine: precision " + precision +
                             " is not supported; it runs fp32, fp16 or bf16 (the TorchScript module is cast "
                             "to that type). For int8/fp8 use engine: tensorrt.");
  }
  throw std::runtime_error("libtorch engine: unknown precision \"" + precision + "\" (expected fp32, fp16 or bf16)");
}

TorchEngine::TorchEngine(EngineConfig cfg)
    : cfg_(std::move(cfg)), device_(torch::kCUDA, static_cast<c10::DeviceIndex>(cfg_.device)) {}

TorchEngine::~TorchEngine() {
  if (startEvent_) cudaEventDestroy(startEvent_);
  if (endEvent_) cudaEventDestroy(endEvent_);
}

std::map<std::string, std::string> TorchEngine::Versions() const {
  std::map<std::string, std::string> v{{"libtorch", TORCH_VERSION}};
  int runtime = 0;
  if (cudaRuntimeGetVersion(&runtime) == cudaSuccess) {
    v["cuda"] = std::to_string(runtime / 1000) + "." + std::to_string((runtime % 1000) / 10);
  }
  int driver = 0;
  if (cudaDriverGetVersion(&driver) == cudaSuccess && driver > 0) {
    v["cudaDriverApi"] = std::to_string(driver / 1000) + "." + std::to_string((driver % 1000) / 10);
  }
  try {
    if (at::detail::getCUDAHooks().hasCuDNN()) {
      v["cudnn"] = std::to_string(at::detail::getCUDAHooks().versionCuDNN());
    }
  } catch (const c10::Error&) {
    // No cuDNN figure is not worth failing a probe.
  }
  return v;
}

void TorchEngine::Load() {
  computeType_ = TorchComputeType(cfg_.precision);
  if (!torch::cuda::is_available()) {
    throw std::runtime_error(
        "libtorch engine: libtorch sees no CUDA device (torch::cuda::is_available() is false); "
        "the engine runs on an NVIDIA GPU only. Check the driver (nvidia-smi) and CUDA_VISIBLE_DEVICES.");
  }
  const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  if (cfg_.device < 0 || cfg_.device >= count) {
    throw std::runtime_error("libtorch engine: device " + std::to_string(cfg_.device) + " does not exist (" +
                             std::to_string(count) + " CUDA device(s) visible)");
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(cfg_.modelPath, ec)) {
    throw std::runtime_error("libtorch engine: model file not found: " + cfg_.modelPath +
                             " (a TorchScript .pt; export one with python3 scripts/export-torchscript.py <out.pt>)");
  }
  try {
    module_ = torch::jit::load(cfg_.modelPath, device_);
  } catch (const c10::Error& e) {
    throw std::runtime_error("libtorch engine: could not load " + cfg_.modelPath +
                             " as a TorchScript module (torch.jit.trace/script + save): " + Brief(e));
  }
  module_.eval();
  if (computeType_ != torch::kFloat) module_.to(computeType_);
  cudaGraphs_ = OptionTrue(cfg_.options, "cudaGraph");
  memGetInfo_ = OptionTrue(cfg_.options, "memGetInfo");
  c10::cuda::CUDAGuard deviceGuard(device_);
  CheckCuda(cudaEventCreate(&startEvent_), "cudaEventCreate");
  CheckCuda(cudaEventCreate(&endEvent_), "cudaEventCreate");
  loaded_ = true;
}

std::string TorchEngine::Unsupported(const std::string& strategy) const {
  (void)strategy;  // every strategy: contexts own plain tensors (and graphs for per-shape)
  return "";
}

c10::ScalarType TorchEngine::InputType(size_t inputIndex) const {
  if (inputIndex < cfg_.profile.size()) {
    const std::string& dtype = cfg_.profile[inputIndex].dtype;
    if (dtype == "int64") return torch::kLong;
    if (dtype == "int32") return torch::kInt;
  }
  // Float inputs follow the module's precision: an fp16 module needs fp16 activations.
  return computeType_;
}

const InputValues& TorchEngine::InputValuesAt(size_t inputIndex) const {
  static const InputValues kDefault;
  return inputIndex < cfg_.profile.size() ? cfg_.profile[inputIndex].values : kDefault;
}

std::unique_ptr<Context> TorchEngine::CreateContext(const ContextOptions& opts) {
  if (!loaded_) throw std::logic_error("libtorch engine: CreateContext before Load");
  return std::make_unique<TorchContext>(*this, opts);
}

c10::IValue TorchEngine::Forward(std::vector<c10::IValue>& inputs) { return module_.forward(inputs); }

void TorchEngine::AfterCall(const c10::IValue& outputs) {
  ++calls_;
  const FaultConfig& faults = cfg_.faults;
  if (faults.leakBytesPerIteration > 0) {
    leaked_.push_back(
        torch::empty({faults.leakBytesPerIteration}, torch::TensorOptions().dtype(torch::kUInt8).device(device_)));
    leakedBytes_ += faults.leakBytesPerIteration;
  }
  if (faults.retainOutputsEvery > 0 && calls_ % faults.retainOutputsEvery == 0) {
    retained_.push_back(outputs);
    ++retainedCount_;
  }
}

void TorchEngine::AfterRelease() { c10::cuda::CUDACachingAllocator::emptyCache(); }

std::map<std::string, int64_t> TorchEngine::MemoryStats() {
  std::map<std::string, int64_t> out;
  if (!loaded_) return out;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device_.index());
  // Index 0 is StatType::AGGREGATE (small + large pools).
  out["torchAllocatedBytes"] = stats.allocated_bytes[0].current;
  out["torchReservedBytes"] = stats.reserved_bytes[0].current;
  out["plantedLeakBytes"] = leakedBytes_.load();
  out["retainedOutputs"] = retainedCount_.load();
  if (memGetInfo_) {
    size_t freeBytes = 0, totalBytes = 0;
    c10::cuda::CUDAGuard deviceGuard(device_);
    if (cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess) {
      out["cudaUsedBytes"] = static_cast<int64_t>(totalBytes - freeBytes);
    }
  }
  return out;
}

std::unique_ptr<Engine> CreateTorchEngine(const EngineConfig& cfg) { return std::make_unique<TorchEngine>(cfg); }

}  // namespace vramgate
