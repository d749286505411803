#include "HostEngine.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace vramgate {

namespace {

int64_t Elements(const ShapeMap& shape) {
  int64_t n = 0;
  for (const auto& [name, dims] : shape) {
    int64_t e = 1;
    for (int64_t d : dims) {
      if (d < 1) throw std::invalid_argument("input " + name + " has a non-positive dimension");
      e *= d;
    }
    n += e;
  }
  return n;
}

int64_t OptionInt(const EngineConfig& cfg, const char* key, int64_t fallback) {
  auto it = cfg.options.find(key);
  if (it == cfg.options.end() || it->second.empty()) return fallback;
  try {
    size_t used = 0;
    long long v = std::stoll(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("trailing characters");
    return v;
  } catch (const std::exception&) {
    throw std::invalid_argument(std::string("host engine option ") + key + " must be an integer, got \"" + it->second +
                                "\"");
  }
}

// Touch every page so the memory is resident (counted in RSS), not just reserved.
void Touch(void* p, size_t bytes) { std::memset(p, 1, bytes); }

class HostEngine;

class HostContext : public Context {
 public:
  HostContext(HostEngine& engine, int64_t elements, bool shared);
  ~HostContext() override;
  void Infer(const ShapeMap& shape, CallTiming* timing) override;

 private:
  void Reserve(int64_t elements);
  HostEngine& engine_;
  bool shared_;
  std::vector<float> own_;
};

class HostEngine : public Engine {
 public:
  explicit HostEngine(const EngineConfig& cfg) : cfg_(cfg) {
    matmulSize_ = OptionInt(cfg, "matmulSize", 48);
    capacityBytes_ = OptionInt(cfg, "capacityBytes", 0);
    failAtCall_ = OptionInt(cfg, "failAtCall", -1);
    if (matmulSize_ < 1 || matmulSize_ > 1024)
      throw std::invalid_argument("host engine option matmulSize must be 1..1024");
    for (const auto& p : cfg.profile) {
      int64_t e = 1;
      for (int64_t d : p.max) e *= d;
      profileMaxElements_ += e;
    }
  }

  std::string Name() const override { return "host"; }
  std::map<std::string, std::string> Versions() const override { return {{"host", "1"}}; }
  void Load() override {
    a_.assign(static_cast<size_t>(matmulSize_ * matmulSize_), 0.5f);
    b_.assign(a_.size(), 0.25f);
    c_.assign(a_.size(), 0.0f);
    loaded_ = true;
  }
  std::string Unsupported(const std::string&) const override { return ""; }

  std::unique_ptr<Context> CreateContext(const ContextOptions& opts) override {
    if (!loaded_) throw std::logic_error("host engine: CreateContext before Load");
    int64_t elements = opts.shape ? Elements(*opts.shape) : profileMaxElements_;
    return std::make_unique<HostContext>(*this, elements, opts.userManagedMemory);
  }

  std::map<std::string, int64_t> MemoryStats() override {
    return {{"hostContextBytes", contextBytes_},
            {"hostSharedBlockBytes", static_cast<int64_t>(shared_.size() * sizeof(float))},
            {"hostLeakedBytes", leakedBytes_},
            {"hostRetainedBytes", retainedBytes_}};
  }

  // Accounts bytes against capacityBytes; throws OutOfMemory past it.
  void Charge(int64_t bytes) {
    if (capacityBytes_ > 0 && Used() + bytes > capacityBytes_) {
      throw OutOfMemory("host engine: allocating " + std::to_string(bytes) + " bytes would exceed capacityBytes " +
                        std::to_string(capacityBytes_) + " (in use " + std::to_string(Used()) + ")");
    }
  }
  void AddContextBytes(int64_t bytes) { contextBytes_ += bytes; }

  std::vector<float>& Shared(int64_t elements) {
    if (static_cast<int64_t>(shared_.size()) < elements) {
      const int64_t grow = (elements - static_cast<int64_t>(shared_.size())) * static_cast<int64_t>(sizeof(float));
      Charge(grow);
      shared_.resize(static_cast<size_t>(elements), 1.0f);  // grow-only, like a user-managed block
    }
    return shared_;
  }

  void Compute(float* data, int64_t elements, CallTiming* timing) {
    (void)timing;  // no GPU: gpuMs stays unmeasured
    if (failAtCall_ >= 0 && calls_ == failAtCall_) {
      ++calls_;
      throw std::runtime_error("host engine: planted failure at call " + std::to_string(failAtCall_));
    }
    ++calls_;
    const int64_t n = matmulSize_;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        float acc = 0;
        for (int64_t k = 0; k < n; ++k) acc += a_[i * n + k] * b_[k * n + j];
        c_[i * n + j] = acc;
      }
    }
    float s = c_[0];
    for (int64_t i = 0; i < elements; ++i) {
      data[i] = data[i] * 0.5f + s;
    }
    Faults(elements);
  }

 private:
  int64_t Used() const {
    return contextBytes_ + static_cast<int64_t>(shared_.size() * sizeof(float)) + leakedBytes_ + retainedBytes_;
  }

  void Faults(int64_t elements) {
    const int64_t leak = cfg_.faults.leakBytesPerIteration;
    if (leak > 0) {
      Charge(leak);
      void* p = std::malloc(static_cast<size_t>(leak));
      if (!p) throw std::bad_alloc();
      Touch(p, static_cast<size_t>(leak));  // never freed: the planted leak
      leakedBytes_ += leak;
    }
    const int64_t every = cfg_.faults.retainOutputsEvery;
    if (every > 0 && calls_ % every == 0) {
      const int64_t bytes = elements * static_cast<int64_t>(sizeof(float));
      Charge(bytes);
      retained_.emplace_back(static_cast<size_t>(elements), 2.0f);
      retainedBytes_ += bytes;
    }
  }

  EngineConfig cfg_;
  int64_t matmulSize_ = 48, capacityBytes_ = 0, failAtCall_ = -1;
  int64_t profileMaxElements_ = 0;
  bool loaded_ = false;
  std::vector<float> a_, b_, c_;
  std::vector<float> shared_;
  std::vector<std::vector<float>> retained_;
  int64_t contextBytes_ = 0, leakedBytes_ = 0, retainedBytes_ = 0;
  int64_t calls_ = 0;
};

HostContext::HostContext(HostEngine& engine, int64_t elements, bool shared) : engine_(engine), shared_(shared) {
  if (shared_) {
    engine_.Shared(elements);
  } else {
    Reserve(elements);
  }
}

HostContext::~HostContext() { engine_.AddContextBytes(-static_cast<int64_t>(own_.size() * sizeof(float))); }

void HostContext::Reserve(int64_t elements) {
  if (static_cast<int64_t>(own_.size()) >= elements) return;
  const int64_t grow = (elements - static_cast<int64_t>(own_.size())) * static_cast<int64_t>(sizeof(float));
  engine_.Charge(grow);
  own_.resize(static_cast<size_t>(elements), 1.0f);  // value-initialised: pages touched
  engine_.AddContextBytes(grow);
}

void HostContext::Infer(const ShapeMap& shape, CallTiming* timing) {
  const int64_t elements = Elements(shape);
  float* data;
  if (shared_) {
    data = engine_.Shared(elements).data();
  } else {
    Reserve(elements);  // a context made for "any shape" grows to the largest seen
    data = own_.data();
  }
  engine_.Compute(data, elements, timing);
}

}  // namespace

std::unique_ptr<Engine> CreateHostEngine(const EngineConfig& cfg) { return std::make_unique<HostEngine>(cfg); }

}  // namespace vramgate
