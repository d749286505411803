#include "AddonEngine.h"

#include <chrono>
#include <limits>
#include <map>
#include <stdexcept>
#include <vector>

#include "AddonEngineArgs.h"
#include "common/clock.h"
#include "factory.h"

namespace vramgate {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Marks cross to JS at least this often (whichever comes first).
constexpr size_t kBatchMarks = 64;
constexpr int64_t kBatchNs = 50'000'000;

// Thrown inside the loop when JS asked to stop (onMarks threw, or the env is going away).
struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};

// Columnar marks, built on the worker and turned into typed arrays on the JS thread.
struct MarkBatch {
  std::vector<double> index, startNs, endNs, gpuMs;
  std::map<std::string, std::vector<double>> stats;

  size_t size() const { return index.size(); }
  void Add(const Mark& m) {
    const size_t before = index.size();
    index.push_back(static_cast<double>(m.index));
    startNs.push_back(static_cast<double>(m.startNs));
    endNs.push_back(static_cast<double>(m.endNs));
    gpuMs.push_back(m.gpuMs < 0 ? kNaN : m.gpuMs);
    for (const auto& [key, value] : m.stats) {
      auto& col = stats[key];
      col.resize(before, kNaN);  // a key first seen now: earlier marks did not report it
      col.push_back(static_cast<double>(value));
    }
    for (auto& [key, col] : stats) col.resize(before + 1, kNaN);
  }
};

Napi::Float64Array Typed(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

Napi::Object BatchToJs(Napi::Env env, const MarkBatch& b) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", Typed(env, b.index));
  o.Set("startNs", Typed(env, b.startNs));
  o.Set("endNs", Typed(env, b.endNs));
  o.Set("gpuMs", Typed(env, b.gpuMs));
  Napi::Object stats = Napi::Object::New(env);
  for (const auto& [key, col] : b.stats) stats.Set(key, Typed(env, col));
  o.Set("stats", stats);
  return o;
}

// How an async call ended, carried from the worker to the JS thread.
struct Outcome {
  bool ok = true;
  std::string kind;  // "oom" | "error" (runCalls); "error" otherwise
  std::string message;
  int64_t index = -1;
  double calls = 0;
};

Napi::Value OutcomeError(Napi::Env env, const Outcome& o) {
  Napi::Error e = Napi::Error::New(env, o.message);
  e.Set("kind", Napi::String::New(env, o.kind.empty() ? "error" : o.kind));
  if (o.index >= 0) e.Set("index", Napi::Number::New(env, static_cast<double>(o.index)));
  return e.Value();
}

void Noop(const Napi::CallbackInfo&) {}

// Rethrows a C++ exception from the worker as the matching JS error.
[[noreturn]] void ThrowJs(Napi::Env env, std::exception_ptr ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  } catch (...) {
    throw Napi::Error::New(env, "unknown native error");
  }
}
}  // namespace

Napi::Function AddonEngine::Define(Napi::Env env) {
  return DefineClass(env, "NativeEngine",
                     {
                         InstanceMethod<&AddonEngine::Load>("load"),
                         InstanceMethod<&AddonEngine::Unsupported>("unsupported"),
                         InstanceMethod<&AddonEngine::Versions>("versions"),
                         InstanceMethod<&AddonEngine::Begin>("begin"),
                         InstanceMethod<&AddonEngine::RunCalls>("runCalls"),
                         InstanceMethod<&AddonEngine::Finish>("finish"),
                         InstanceMethod<&AddonEngine::MemoryStats>("memoryStats"),
                         InstanceAccessor<&AddonEngine::Kind>("kind"),
                     });
}

AddonEngine::AddonEngine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AddonEngine>(info) {
  Napi::Env env = info.Env();
  env_ = env;
  if (info.Length() < 1 || !info[0].IsString()) {
    throw Napi::TypeError::New(
        env, "Expected an engine kind string (\"libtorch\", \"tensorrt\" or \"host\") for new NativeEngine()");
  }
  kind_ = info[0].As<Napi::String>().Utf8Value();
  EngineConfig cfg = ParseEngineConfig(info.Length() > 1 ? info[1] : env.Undefined());
  worker_ = std::make_unique<WorkerThread>();
  try {
    worker_->Call([this, cfg] { engine_ = CreateEngine(kind_, cfg); });
  } catch (...) {
    worker_->Join();
    ThrowJs(env, std::current_exception());
  }
  napi_add_env_cleanup_hook(env_, CleanupHook, this);
  hooked_ = true;
}

AddonEngine::~AddonEngine() {
  if (hooked_) {
    napi_remove_env_cleanup_hook(env_, CleanupHook, this);
    hooked_ = false;
  }
  Shutdown(true);
}

void AddonEngine::CleanupHook(void* arg) {
  auto* self = static_cast<AddonEngine*>(arg);
  self->hooked_ = false;
  // Process exit or worker termination: stop the loop at the next call boundary and leave
  // the engine to the OS, as a real service's exit would (persistent contexts included).
  self->Shutdown(false);
}

void AddonEngine::Shutdown(bool destroyEngine) {
  if (!worker_) return;
  cancel_->store(true);
  if (destroyEngine) {
    worker_->Post([this] {
      // A persistent runner leaves its context alive on purpose; the engine it came from
      // must then outlive it, so both are left to process exit.
      if (runner_ && runner_->finished() && runner_->contextsLive() > 0) {
        (void)runner_.release();
        (void)engine_.release();
        return;
      }
      runner_.reset();
      engine_.reset();
    });
  }
  worker_->Join();
  worker_.reset();
  if (!destroyEngine) {
    (void)runner_.release();
    (void)engine_.release();
  }
}

void AddonEngine::CheckIdle(Napi::Env env, const char* method) {
  if (!worker_) throw Napi::Error::New(env, std::string("NativeEngine.") + method + ": the engine was shut down");
  if (busy_) {
    throw Napi::Error::New(env, std::string("NativeEngine.") + method +
                                    ": another call (load/runCalls/finish) is still running; await it first");
  }
}

Napi::Value AddonEngine::Kind(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), kind_); }

Napi::Value AddonEngine::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckIdle(env, "load");
  auto deferred = Napi::Promise::Deferred::New(env);
  auto tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, Noop), "vramgate.load", 0, 1);
  busy_ = true;
  Ref();  // the JS object must outlive the call
  worker_->Post([this, deferred, tsfn]() mutable {
    Outcome out;
    try {
      engine_->Load();
    } catch (const std::exception& e) {
      out.ok = false;
      out.message = e.what();
    }
    tsfn.BlockingCall([this, deferred, out](Napi::Env env, Napi::Function) {
      busy_ = false;
      Unref();
      if (out.ok) {
        loaded_ = true;
        deferred.Resolve(env.Undefined());
      } else {
        deferred.Reject(OutcomeError(env, out));
      }
    });
    tsfn.Release();
  });
  return deferred.Promise();
}

Napi::Value AddonEngine::Unsupported(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckIdle(env, "unsupported");
  if (info.Length() < 1 || !info[0].IsString())
    throw Napi::TypeError::New(env, "Expected a strategy name for unsupported()");
  std::string strategy = info[0].As<Napi::String>().Utf8Value();
  try {
    return Napi::String::New(env, worker_->Call([this, strategy] {
      ParseStrategy(strategy);  // unknown names are a caller error, not "unsupported"
      return engine_->Unsupported(strategy);
    }));
  } catch (...) {
    ThrowJs(env, std::current_exception());
  }
}

Napi::Value AddonEngine::Versions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckIdle(env, "versions");
  std::map<std::string, std::string> v;
  try {
    v = worker_->Call([this] { return engine_->Versions(); });
  } catch (...) {
    ThrowJs(env, std::current_exception());
  }
  Napi::Object o = Napi::Object::New(env);
  for (const auto& [k, s] : v) o.Set(k, s);
  return o;
}

Napi::Value AddonEngine::Begin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckIdle(env, "begin");
  if (!loaded_) throw Napi::Error::New(env, "NativeEngine.begin: call load() first");
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "Expected a strategy name for begin()");
  std::string strategy = info[0].As<Napi::String>().Utf8Value();
  StrategyOptions opts = ParseStrategyOptions(info.Length() > 1 ? info[1] : env.Undefined());
  try {
    ParseStrategy(strategy);  // a bad name is reported as such, whatever the engine's state
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  }
  try {
    worker_->Call([this, strategy, opts] {
      if (runner_ && !runner_->finished()) {
        throw std::logic_error("NativeEngine.begin: the previous strategy is still running; call finish() first");
      }
      auto next = std::make_unique<StrategyRunner>(*engine_, strategy, opts);
      // A finished persistent runner keeps its context on purpose: keep the runner too.
      if (runner_ && runner_->contextsLive() > 0) (void)runner_.release();
      runner_ = std::move(next);
    });
  } catch (...) {
    ThrowJs(env, std::current_exception());
  }
  return env.Undefined();
}

Napi::Value AddonEngine::RunCalls(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckIdle(env, "runCalls");
  std::vector<ShapeMap> shapes = ParseShapes(info.Length() > 0 ? info[0] : env.Undefined());
  if (info.Length() < 2 || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "Expected a number for firstIndex in runCalls()");
  const int64_t firstIndex = info[1].As<Napi::Number>().Int64Value();
  if (info.Length() < 3 || !info[2].IsFunction())
    throw Napi::TypeError::New(env, "Expected an onMarks function for runCalls()");
  bool ready = worker_->Call([this] { return static_cast<bool>(runner_); });
  if (!ready) throw Napi::Error::New(env, "NativeEngine.runCalls: call begin(strategy) first");

  auto deferred = Napi::Promise::Deferred::New(env);
  auto tsfn = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(), "vramgate.runCalls", 0, 1);
  // The first exception thrown by onMarks; the promise rejects with it.
  auto jsError = std::make_shared<Napi::Reference<Napi::Value>>();
  auto cancel = cancel_;
  cancel->store(false);
  busy_ = true;
  Ref();

  auto deliver = [tsfn, jsError, cancel](std::unique_ptr<MarkBatch> batch) mutable {
    MarkBatch* raw = batch.release();
    napi_status st = tsfn.NonBlockingCall([raw, jsError, cancel](Napi::Env env, Napi::Function onMarks) {
      std::unique_ptr<MarkBatch> owned(raw);
      if (cancel->load()) return;  // an earlier batch's handler threw: deliver no more
      try {
        onMarks.Call({BatchToJs(env, *owned)});
      } catch (const Napi::Error& e) {
        *jsError = Napi::Reference<Napi::Value>::New(e.Value(), 1);
        cancel->store(true);
      }
    });
    if (st != napi_ok) {
      delete raw;  // the environment is closing
      cancel->store(true);
    }
  };

  worker_->Post([this, shapes = std::move(shapes), firstIndex, deferred, tsfn, jsError, cancel, deliver]() mutable {
    auto batch = std::make_unique<MarkBatch>();
    int64_t lastFlushNs = MonotonicNs();
    Outcome out;
    try {
      runner_->RunCalls(shapes, firstIndex, [&](const Mark& m) {
        batch->Add(m);
        const int64_t now = MonotonicNs();
        if (batch->size() >= kBatchMarks || now - lastFlushNs >= kBatchNs) {
          deliver(std::move(batch));
          batch = std::make_unique<MarkBatch>();
          lastFlushNs = now;
        }
        if (cancel->load()) throw Cancelled();
      });
      out.calls = static_cast<double>(shapes.size());
    } catch (const CallFailure& f) {
      out.ok = false;
      out.kind = f.kind;
      out.index = f.index;
      out.message = f.what();
      out.calls = static_cast<double>(f.index - firstIndex);
    } catch (const std::exception& e) {
      out.ok = false;
      out.kind = "error";
      out.message = e.what();
    }
    if (batch->size() > 0) deliver(std::move(batch));
    tsfn.BlockingCall([this, deferred, jsError, out](Napi::Env env, Napi::Function) {
      busy_ = false;
      Unref();
      if (!jsError->IsEmpty()) {
        deferred.Reject(jsError->Value());
        jsError->Reset();  // on the JS thread: the last owner may be the worker
      } else if (out.ok) {
        Napi::Object r = Napi::Object::New(env);
        r.Set("calls", Napi::Number::New(env, out.calls));
        deferred.Resolve(r);
      } else {
        deferred.Reject(OutcomeError(env, out));
      }
    });
    tsfn.Release();
  });
  return deferred.Promise();
}

Napi::Value AddonEngine::Finish(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckIdle(env, "finish");
  auto deferred = Napi::Promise::Deferred::New(env);
  auto tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, Noop), "vramgate.finish", 0, 1);
  busy_ = true;
  Ref();
  worker_->Post([this, deferred, tsfn]() mutable {
    Outcome out;
    try {
      if (runner_) runner_->Finish();
    } catch (const std::exception& e) {
      out.ok = false;
      out.kind = "error";
      out.message = e.what();
    }
    tsfn.BlockingCall([this, deferred, out](Napi::Env env, Napi::Function) {
      busy_ = false;
      Unref();
      if (out.ok) {
        deferred.Resolve(env.Undefined());
      } else {
        deferred.Reject(OutcomeError(env, out));
      }
    });
    tsfn.Release();
  });
  return deferred.Promise();
}

Napi::Value AddonEngine::MemoryStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckIdle(env, "memoryStats");
  std::map<std::string, int64_t> stats;
  try {
    stats = worker_->Call([this] {
      auto s = engine_->MemoryStats();
      if (runner_) {
        s["contextsCreated"] = runner_->contextsCreated();
        s["contextsLive"] = runner_->contextsLive();
      }
      return s;
    });
  } catch (...) {
    ThrowJs(env, std::current_exception());
  }
  Napi::Object o = Napi::Object::New(env);
  for (const auto& [k, v] : stats) o.Set(k, Napi::Number::New(env, static_cast<double>(v)));
  return o;
}

}  // namespace vramgate
