#include "AddonSampler.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace vramgate {

namespace {
Napi::Float64Array ToFloat64Array(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
  if (!v.empty()) std::copy(v.begin(), v.end(), a.Data());
  return a;
}

double OptionalNumber(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) {
    throw Napi::TypeError::New(o.Env(), std::string("Expected a number for ") + key + " but received " +
                                            (v.IsString() ? "a string" : "another type"));
  }
  return v.As<Napi::Number>().DoubleValue();
}
}  // namespace

Napi::Function AddonSampler::Define(Napi::Env env) {
  return DefineClass(env, "Sampler",
                     {
                         InstanceMethod<&AddonSampler::SetPids>("setPids"),
                         InstanceMethod<&AddonSampler::Start>("start"),
                         InstanceMethod<&AddonSampler::Stop>("stop"),
                         InstanceMethod<&AddonSampler::Drain>("drain"),
                         InstanceMethod<&AddonSampler::Stats>("stats"),
                         InstanceAccessor<&AddonSampler::Running>("running"),
                         InstanceAccessor<&AddonSampler::HasNvml>("nvml"),
                     });
}

AddonSampler::AddonSampler(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AddonSampler>(info) {
  Napi::Env env = info.Env();
  env_ = env;
  SamplerConfig cfg;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "Expected an options object for new Sampler()");
    Napi::Object o = info[0].As<Napi::Object>();
    cfg.intervalMs = OptionalNumber(o, "intervalMs", cfg.intervalMs);
    double device = OptionalNumber(o, "device", 0);
    double capacity = OptionalNumber(o, "capacity", static_cast<double>(cfg.capacity));
    if (!(device >= 0 && device == std::floor(device))) {
      throw Napi::RangeError::New(env,
                                  "Expected a non-negative integer for device but received " + std::to_string(device));
    }
    if (!(capacity >= 1 && capacity == std::floor(capacity))) {
      throw Napi::RangeError::New(env,
                                  "Expected a positive integer for capacity but received " + std::to_string(capacity));
    }
    cfg.device = static_cast<unsigned>(device);
    cfg.capacity = static_cast<size_t>(capacity);
  }
  try {
    sampler_ = std::make_unique<Sampler>(cfg);
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::range_error& e) {
    throw Napi::RangeError::New(env, e.what());
  }
}

AddonSampler::~AddonSampler() { StopAndUnhook(); }

void AddonSampler::CleanupHook(void* arg) {
  // Runs on the JS thread during environment teardown; the ObjectWrap may be finalized
  // later or never, so the thread is stopped here.
  auto* self = static_cast<AddonSampler*>(arg);
  self->hooked_ = false;
  if (self->sampler_) self->sampler_->Stop();
}

void AddonSampler::StopAndUnhook() {
  if (!sampler_) return;
  sampler_->Stop();
  if (hooked_) {
    napi_remove_env_cleanup_hook(env_, CleanupHook, this);
    hooked_ = false;
  }
}

Napi::Value AddonSampler::SetPids(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray())
    throw Napi::TypeError::New(env, "Expected an array of PIDs for setPids()");
  Napi::Array a = info[0].As<Napi::Array>();
  std::vector<int> pids;
  pids.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value v = a.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 1 && d == std::floor(d) && d <= 4194304)) {
      throw Napi::TypeError::New(
          env, "Expected positive integer PIDs for setPids() but pids[" + std::to_string(i) + "] is not one");
    }
    pids.push_back(static_cast<int>(d));
  }
  sampler_->SetPids(pids);
  return env.Undefined();
}

Napi::Value AddonSampler::Start(const Napi::CallbackInfo& info) {
  if (!sampler_->running()) {
    sampler_->Start();
    if (!hooked_) {
      napi_add_env_cleanup_hook(env_, CleanupHook, this);
      hooked_ = true;
    }
  }
  return info.Env().Undefined();
}

Napi::Value AddonSampler::Stop(const Napi::CallbackInfo& info) {
  StopAndUnhook();
  return info.Env().Undefined();
}

Napi::Value AddonSampler::Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SampleColumns c = sampler_->Drain();
  Napi::Object o = Napi::Object::New(env);
  o.Set("tNs", ToFloat64Array(env, c.tNs));
  o.Set("gpuProcessBytes", ToFloat64Array(env, c.gpuProcessBytes));
  o.Set("deviceUsedBytes", ToFloat64Array(env, c.deviceUsedBytes));
  o.Set("rssBytes", ToFloat64Array(env, c.rssBytes));
  o.Set("deviceTotalBytes", Napi::Number::New(env, sampler_->deviceTotalBytes()));
  return o;
}

Napi::Value AddonSampler::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SamplerStats s = sampler_->Stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("samples", Napi::Number::New(env, static_cast<double>(s.samples)));
  o.Set("overruns", Napi::Number::New(env, static_cast<double>(s.overruns)));
  o.Set("missedDeadlines", Napi::Number::New(env, static_cast<double>(s.missedDeadlines)));
  o.Set("achievedHz", Napi::Number::New(env, s.achievedHz));
  o.Set("meanPeriodUs", Napi::Number::New(env, s.meanPeriodUs));
  o.Set("maxPeriodUs", Napi::Number::New(env, s.maxPeriodUs));
  o.Set("meanSampleCostUs", Napi::Number::New(env, s.meanSampleCostUs));
  return o;
}

Napi::Value AddonSampler::Running(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), sampler_->running());
}

Napi::Value AddonSampler::HasNvml(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), sampler_->nvmlReady());
}

}  // namespace vramgate
