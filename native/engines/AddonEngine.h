// JS class NativeEngine: a native engine (engine.h) driven by the shared strategy loop.
//
// Every Engine/Context call runs on the instance's own WorkerThread, never the JS thread.
// Async methods return promises settled from that thread through a thread-safe function;
// sync methods wait briefly for the worker and throw when an async call is in flight.
//
//   new NativeEngine(kind, config)       sync; Error when the kind is not built in
//   load(): Promise<void>                async; rejects with the engine's message
//   unsupported(strategy): string        sync; "" when supported
//   versions(): Record<string,string>    sync
//   begin(strategy, {perShapePoolSize})  sync; RangeError for an unknown strategy
//   runCalls(shapes, firstIndex, onMarks): Promise<{calls}>
//                                        async; marks reach onMarks in batches; rejects
//                                        with Error{kind: "oom"|"error", index}
//   finish(): Promise<void>              async
//   memoryStats(): Record<string,number> sync
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>
#include <string>

#include "common/worker_thread.h"
#include "engine.h"
#include "strategy_loop.h"

namespace vramgate {

class AddonEngine : public Napi::ObjectWrap<AddonEngine> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit AddonEngine(const Napi::CallbackInfo& info);
  ~AddonEngine() override;

 private:
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Unsupported(const Napi::CallbackInfo& info);
  Napi::Value Versions(const Napi::CallbackInfo& info);
  Napi::Value Begin(const Napi::CallbackInfo& info);
  Napi::Value RunCalls(const Napi::CallbackInfo& info);
  Napi::Value Finish(const Napi::CallbackInfo& info);
  Napi::Value MemoryStats(const Napi::CallbackInfo& info);
  Napi::Value Kind(const Napi::CallbackInfo& info);

  // Throws a JS Error when an async call is in flight or the engine was shut down.
  void CheckIdle(Napi::Env env, const char* method);
  static void CleanupHook(void* arg);
  // Ends the worker. destroyEngine: destroy runner and engine on the worker first
  // (garbage collection); otherwise they are left for process exit (env teardown).
  void Shutdown(bool destroyEngine);

  std::string kind_;
  std::unique_ptr<WorkerThread> worker_;
  // Owned by the worker thread after construction: touched only inside posted tasks.
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<StrategyRunner> runner_;
  bool loaded_ = false;  // JS thread
  bool busy_ = false;    // JS thread: an async call is in flight
  bool hooked_ = false;
  std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
  napi_env env_ = nullptr;
};

}  // namespace vramgate
