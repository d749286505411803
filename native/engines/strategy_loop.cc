#include "strategy_loop.h"

#include <new>
#include <sstream>
#include <utility>

#include "../common/clock.h"
#include "../common/oom.h"

namespace vramgate {

Strategy ParseStrategy(const std::string& name) {
  if (name == "persistent") return Strategy::kPersistent;
  if (name == "teardown") return Strategy::kTeardown;
  if (name == "scoped") return Strategy::kScoped;
  if (name == "per-shape") return Strategy::kPerShape;
  if (name == "user-managed") return Strategy::kUserManaged;
  throw std::invalid_argument("unknown strategy \"" + name +
                              "\" (expected persistent, teardown, scoped, per-shape or user-managed)");
}

std::string ShapeKey(const ShapeMap& shape) {
  std::ostringstream out;
  bool firstInput = true;
  for (const auto& [name, dims] : shape) {
    if (!firstInput) out << ';';
    firstInput = false;
    out << name << ':';
    for (size_t i = 0; i < dims.size(); ++i) out << (i ? "x" : "") << dims[i];
  }
  return out.str();
}

StrategyRunner::StrategyRunner(Engine& engine, const std::string& strategy, StrategyOptions options)
    : engine_(engine), strategy_(ParseStrategy(strategy)), options_(options) {
  if (options_.perShapePoolSize < 1) {
    throw std::invalid_argument("perShapePoolSize must be at least 1, got " +
                                std::to_string(options_.perShapePoolSize));
  }
  std::string why = engine_.Unsupported(strategy);
  if (!why.empty()) throw std::runtime_error(engine_.Name() + " does not support strategy " + strategy + ": " + why);
}

StrategyRunner::~StrategyRunner() {
  // The persistent strategy never releases its context: leaking it here keeps the
  // process's memory exactly as a real "activate once, never deactivate" service has it.
  if (strategy_ == Strategy::kPersistent) (void)single_.release();
}

int64_t StrategyRunner::contextsLive() const { return created_ - destroyed_; }

std::unique_ptr<Context> StrategyRunner::Create(const ContextOptions& opts) {
  auto ctx = engine_.CreateContext(opts);
  if (!ctx) throw std::runtime_error(engine_.Name() + " returned no context");
  ++created_;
  return ctx;
}

Context& StrategyRunner::ContextFor(const ShapeMap& shape) {
  std::string key = ShapeKey(shape);
  for (auto it = pool_.begin(); it != pool_.end(); ++it) {
    if (it->key == key) {
      pool_.splice(pool_.begin(), pool_, it);  // most recently used first
      return *pool_.front().context;
    }
  }
  // Evict before creating so the pool never holds more than perShapePoolSize contexts.
  while (static_cast<int>(pool_.size()) >= options_.perShapePoolSize) {
    pool_.pop_back();
    ++destroyed_;
  }
  pool_.push_front(PoolEntry{key, shape, nullptr});
  try {
    ContextOptions opts;
    opts.shape = &pool_.front().shape;
    pool_.front().context = Create(opts);
  } catch (...) {
    pool_.pop_front();
    throw;
  }
  return *pool_.front().context;
}

void StrategyRunner::RunOne(const ShapeMap& shape, int64_t index, const std::function<void(const Mark&)>& onMark) {
  Mark mark;
  mark.index = index;
  CallTiming timing;
  mark.startNs = MonotonicNs();
  switch (strategy_) {
    case Strategy::kPersistent:
    case Strategy::kTeardown:
    case Strategy::kUserManaged:
      if (!single_) {
        ContextOptions opts;
        opts.userManagedMemory = strategy_ == Strategy::kUserManaged;
        single_ = Create(opts);
      }
      single_->Infer(shape, &timing);
      break;
    case Strategy::kScoped: {
      {
        std::unique_ptr<Context> ctx = Create(ContextOptions{});
        // Counted as destroyed even if Infer throws: the unique_ptr destroys it either way.
        struct CountDestroy {
          int64_t& n;
          ~CountDestroy() { ++n; }
        } count{destroyed_};
        ctx->Infer(shape, &timing);
      }
      engine_.AfterRelease();
      break;
    }
    case Strategy::kPerShape: ContextFor(shape).Infer(shape, &timing); break;
  }
  mark.endNs = MonotonicNs();
  mark.gpuMs = timing.gpuMs;
  mark.stats = engine_.MemoryStats();
  mark.stats["contextsCreated"] = created_;
  mark.stats["contextsLive"] = contextsLive();
  onMark(mark);
}

void StrategyRunner::RunCalls(const std::vector<ShapeMap>& shapes, int64_t firstIndex,
                              const std::function<void(const Mark&)>& onMark) {
  if (finished_) throw std::logic_error("RunCalls after Finish");
  for (size_t i = 0; i < shapes.size(); ++i) {
    const int64_t index = firstIndex + static_cast<int64_t>(i);
    try {
      RunOne(shapes[i], index, onMark);
    } catch (const CallFailure&) {
      throw;
    } catch (const OutOfMemory& e) {
      throw CallFailure("oom", index, e.what());
    } catch (const std::bad_alloc&) {
      throw CallFailure("oom", index, "host memory exhausted (std::bad_alloc)");
    } catch (const std::exception& e) {
      // An engine that reports memory running out in words (a library's error text) is an OOM too.
      throw CallFailure(IsOutOfMemoryMessage(e.what()) ? "oom" : "error", index, e.what());
    } catch (...) {
      throw CallFailure("error", index, "unknown exception from the engine");
    }
  }
}

void StrategyRunner::Finish() {
  if (finished_) return;
  finished_ = true;
  switch (strategy_) {
    case Strategy::kPersistent: break;  // kept until process exit on purpose
    case Strategy::kTeardown:
    case Strategy::kUserManaged:
      if (single_) {
        single_.reset();
        ++destroyed_;
      }
      engine_.AfterRelease();  // e.g. libtorch: give cached blocks back, as scoped does per call
      break;
    case Strategy::kScoped: break;  // nothing outlives a call
    case Strategy::kPerShape:
      destroyed_ += static_cast<int64_t>(pool_.size());
      pool_.clear();
      engine_.AfterRelease();
      break;
  }
}

}  // namespace vramgate
