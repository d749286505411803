// JS class Sampler over the native Sampler. Methods are synchronous and cheap: the
// sampling itself runs on the sampler's own thread.
#pragma once

#include <napi.h>

#include <memory>

#include "sampler.h"

namespace vramgate {

class AddonSampler : public Napi::ObjectWrap<AddonSampler> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new Sampler({intervalMs?, device?, capacity?}); throws TypeError / RangeError.
  explicit AddonSampler(const Napi::CallbackInfo& info);
  ~AddonSampler() override;

 private:
  Napi::Value SetPids(const Napi::CallbackInfo& info);  // setPids(pids: number[]): void
  Napi::Value Start(const Napi::CallbackInfo& info);    // start(): void
  Napi::Value Stop(const Napi::CallbackInfo& info);     // stop(): void
  Napi::Value Drain(const Napi::CallbackInfo& info);    // drain(): SamplerDrain
  Napi::Value Stats(const Napi::CallbackInfo& info);    // stats(): SamplerStats
  Napi::Value Running(const Napi::CallbackInfo& info);  // get running(): boolean
  Napi::Value HasNvml(const Napi::CallbackInfo& info);  // get nvml(): boolean

  void StopAndUnhook();
  static void CleanupHook(void* arg);

  std::unique_ptr<Sampler> sampler_;
  // Registered while the thread runs, so environment teardown (process exit, worker
  // termination) joins the thread instead of leaving it touching freed memory.
  bool hooked_ = false;
  napi_env env_ = nullptr;
};

}  // namespace vramgate
