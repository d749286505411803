#include "AddonProbe.h"

#include <cmath>
#include <map>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "cudart_loader.h"
#include "engines/factory.h"
#include "nvml_loader.h"

namespace vramgate {

namespace {
Napi::Object LibraryReport(Napi::Env env, const LibraryLoad& load, bool ready, const std::string& error) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("found", Napi::Boolean::New(env, load.found && ready));
  if (load.found) o.Set("path", Napi::String::New(env, load.path));
  Napi::Array looked = Napi::Array::New(env, load.looked.size());
  for (size_t i = 0; i < load.looked.size(); ++i) looked.Set(static_cast<uint32_t>(i), load.looked[i]);
  o.Set("looked", looked);
  if (!ready && !error.empty()) o.Set("error", Napi::String::New(env, error));
  return o;
}

Napi::Object EngineReport(Napi::Env env, const char* kind, bool built, const char* version) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("built", Napi::Boolean::New(env, built));
  if (version && version[0]) o.Set("version", Napi::String::New(env, version));
  if (!built) {
    std::string why = EngineMissingReason(kind);
    if (!why.empty()) o.Set("reason", why);
  }
  return o;
}

std::mutex plantMutex;
std::map<int64_t, void*> planted;
int64_t nextHandle = 1;

int DeviceArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return 0;
  double d = info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d == std::floor(d))) {
    throw Napi::TypeError::New(info.Env(), "Expected a non-negative integer device index");
  }
  return static_cast<int>(d);
}
}  // namespace

Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Nvml& nvml = Nvml::Get();
  CudaRuntime& rt = CudaRuntime::Get();
  nvml.Init();
  rt.Init();
  Napi::Object o = Napi::Object::New(env);
  o.Set("nvml", LibraryReport(env, nvml.load(), nvml.ready(), nvml.error()));
  o.Set("cudaRuntime", LibraryReport(env, rt.load(), rt.ready(), rt.error()));
  if (nvml.ready()) {
    std::string v = nvml.DriverVersion();
    if (!v.empty()) o.Set("driverVersion", v);
  }
  if (rt.ready()) {
    if (int d = rt.DriverVersion()) o.Set("cudaDriverVersion", Napi::Number::New(env, d));
    if (int r = rt.RuntimeVersion()) o.Set("cudaRuntimeVersion", Napi::Number::New(env, r));
  }
  Napi::Array gpus = Napi::Array::New(env);
  if (nvml.ready()) {
    uint32_t k = 0;
    for (const auto& g : nvml.Describe()) {
      Napi::Object go = Napi::Object::New(env);
      go.Set("index", Napi::Number::New(env, g.index));
      go.Set("name", g.name);
      go.Set("uuid", g.uuid);
      go.Set("totalBytes", Napi::Number::New(env, static_cast<double>(g.totalBytes)));
      Napi::Object clocks = Napi::Object::New(env);
      auto setMHz = [&](const char* key, unsigned mhz) {
        if (mhz) clocks.Set(key, Napi::Number::New(env, mhz));
      };
      setMHz("smMHz", g.smClockMHz);
      setMHz("smMaxMHz", g.smMaxClockMHz);
      setMHz("memMHz", g.memClockMHz);
      setMHz("memMaxMHz", g.memMaxClockMHz);
      go.Set("clocks", clocks);
      if (g.computePidsKnown) {
        Napi::Array pids = Napi::Array::New(env, g.computePids.size());
        for (size_t i = 0; i < g.computePids.size(); ++i)
          pids.Set(static_cast<uint32_t>(i), Napi::Number::New(env, g.computePids[i]));
        go.Set("computePids", pids);
      }
      gpus.Set(k++, go);
    }
  }
  o.Set("gpus", gpus);
  Napi::Object engines = Napi::Object::New(env);
  engines.Set("host", EngineReport(env, "host", true, nullptr));
#ifdef VRAMGATE_WITH_TORCH
#ifdef VRAMGATE_TORCH_VERSION
  engines.Set("libtorch", EngineReport(env, "libtorch", true, VRAMGATE_TORCH_VERSION));
#else
  engines.Set("libtorch", EngineReport(env, "libtorch", true, nullptr));
#endif
#else
  engines.Set("libtorch", EngineReport(env, "libtorch", false, nullptr));
#endif
#ifdef VRAMGATE_WITH_TENSORRT
#ifdef VRAMGATE_TENSORRT_VERSION
  engines.Set("tensorrt", EngineReport(env, "tensorrt", true, VRAMGATE_TENSORRT_VERSION));
#else
  engines.Set("tensorrt", EngineReport(env, "tensorrt", true, nullptr));
#endif
#else
  engines.Set("tensorrt", EngineReport(env, "tensorrt", false, nullptr));
#endif
  o.Set("engines", engines);
  return o;
}

Napi::Value MonotonicNsJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(MonotonicNs()));
}

Napi::Value PlantDeviceAllocation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double bytes = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(bytes >= 1 && bytes == std::floor(bytes) && bytes <= 9007199254740991.0)) {
    throw Napi::TypeError::New(env, "Expected a positive integer byte count for plantDeviceAllocation()");
  }
  int device = DeviceArg(info, 1);
  CudaRuntime& rt = CudaRuntime::Get();
  if (!rt.Init()) throw Napi::Error::New(env, "plantDeviceAllocation needs the CUDA runtime: " + rt.error());
  void* p = nullptr;
  try {
    p = rt.Malloc(static_cast<uint64_t>(bytes), device);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  std::lock_guard<std::mutex> lock(plantMutex);
  int64_t h = nextHandle++;
  planted[h] = p;
  return Napi::Number::New(env, static_cast<double>(h));
}

Napi::Value FreeDeviceAllocation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double h = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(plantMutex);
    auto it = planted.find(static_cast<int64_t>(h));
    if (it == planted.end())
      throw Napi::RangeError::New(env, "freeDeviceAllocation: unknown handle " + std::to_string(h));
    p = it->second;
    planted.erase(it);
  }
  try {
    CudaRuntime::Get().Free(p);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  return env.Undefined();
}

Napi::Value CudaMemGetInfoJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int device = DeviceArg(info, 0);
  CudaRuntime& rt = CudaRuntime::Get();
  if (!rt.Init()) throw Napi::Error::New(env, "cudaMemGetInfo needs the CUDA runtime: " + rt.error());
  uint64_t freeBytes = 0, totalBytes = 0;
  try {
    rt.MemGetInfo(device, &freeBytes, &totalBytes);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("freeBytes", Napi::Number::New(env, static_cast<double>(freeBytes)));
  o.Set("totalBytes", Napi::Number::New(env, static_cast<double>(totalBytes)));
  return o;
}

}  // namespace vramgate
