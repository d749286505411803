// The one place that decides when contexts live. Every native engine gets the five
// strategies from this code; an engine only creates contexts and runs inferences.
//
// Threading invariant: all calls on one StrategyRunner (and therefore every Engine and
// Context call it makes) happen on one native thread, the owning NativeEngine's worker,
// never the JS thread. Engines may rely on per-thread state (current CUDA device/stream).
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine.h"

namespace vramgate {

// What one call did. Times are CLOCK_MONOTONIC and cover everything the strategy did for
// that call (scoped: create + infer + destroy + AfterRelease; persistent and
// per-shape: the lazy creation on the call that needed it).
struct Mark {
  int64_t index = 0;
  int64_t startNs = 0;
  int64_t endNs = 0;
  double gpuMs = -1;  // < 0 when the engine did not measure it
  // Engine::MemoryStats() after the call plus the runner's own figures:
  // contextsCreated (since construction), contextsLive (now). MemoryStats is called after
  // every call (after endNs, but before the next call starts), so engines keep it cheap.
  std::map<std::string, int64_t> stats;
};

struct StrategyOptions {
  // per-shape: most contexts kept at once; the least recently used one is destroyed.
  int perShapePoolSize = 4;
};

// A call that failed. kind is "oom" (Engine threw OutOfMemory or std::bad_alloc, or an
// error whose message common/oom.h reads as memory running out) or "error" (anything
// else); index is the failing call's index.
struct CallFailure : std::runtime_error {
  CallFailure(std::string kind_, int64_t index_, const std::string& message)
      : std::runtime_error(message), kind(std::move(kind_)), index(index_) {}
  std::string kind;
  int64_t index;
};

enum class Strategy { kPersistent, kTeardown, kScoped, kPerShape, kUserManaged };

// Parses a strategy name; throws std::invalid_argument naming the valid ones.
Strategy ParseStrategy(const std::string& name);

class StrategyRunner {
 public:
  // Throws std::invalid_argument for an unknown strategy or a pool size < 1, and
  // std::runtime_error with the engine's reason when the engine refuses the strategy.
  StrategyRunner(Engine& engine, const std::string& strategy, StrategyOptions options = {});
  // persistent: the kept context is leaked on purpose (that is the strategy), so the
  // destructor releases ownership without destroying it. Others destroy what is left.
  ~StrategyRunner();
  StrategyRunner(const StrategyRunner&) = delete;
  StrategyRunner& operator=(const StrategyRunner&) = delete;

  // Runs shapes.size() calls with indices firstIndex, firstIndex+1, …, calling onMark after
  // each. Contexts persist across RunCalls (rounds) as the strategy says. Throws
  // CallFailure on the first failing call (earlier calls' marks were already delivered).
  void RunCalls(const std::vector<ShapeMap>& shapes, int64_t firstIndex,
                const std::function<void(const Mark&)>& onMark);

  // End of the strategy: teardown / per-shape / user-managed destroy their contexts;
  // persistent keeps its context alive until process exit. RunCalls after Finish throws.
  void Finish();

  bool finished() const { return finished_; }
  int64_t contextsCreated() const { return created_; }
  int64_t contextsLive() const;

 private:
  struct PoolEntry {
    std::string key;
    ShapeMap shape;  // owned here so ContextOptions::shape stays valid for the context's life
    std::unique_ptr<Context> context;
  };

  Context& ContextFor(const ShapeMap& shape);
  std::unique_ptr<Context> Create(const ContextOptions& opts);
  void RunOne(const ShapeMap& shape, int64_t index, const std::function<void(const Mark&)>& onMark);

  Engine& engine_;
  Strategy strategy_;
  StrategyOptions options_;
  std::unique_ptr<Context> single_;  // persistent / teardown / user-managed
  std::list<PoolEntry> pool_;        // per-shape, most recently used first
  int64_t created_ = 0;
  int64_t destroyed_ = 0;
  bool finished_ = false;
};

// Canonical text of a shape, "input:1x3x224x224;…" (the results file's shape key).
std::string ShapeKey(const ShapeMap& shape);

}  // namespace vramgate
