// Registers the addon's exports; the work lives in sampler/ and engines/.
#include <napi.h>

#include "engines/AddonEngine.h"
#include "sampler/AddonProbe.h"
#include "sampler/AddonSampler.h"

#ifndef VRAMGATE_VERSION
#define VRAMGATE_VERSION "0.0.0"
#endif

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::String::New(env, VRAMGATE_VERSION));
  exports.Set("Sampler", vramgate::AddonSampler::Define(env));
  exports.Set("NativeEngine", vramgate::AddonEngine::Define(env));
  exports.Set("probe", Napi::Function::New(env, vramgate::Probe, "probe"));
  exports.Set("monotonicNs", Napi::Function::New(env, vramgate::MonotonicNsJs, "monotonicNs"));
  exports.Set("plantDeviceAllocation",
              Napi::Function::New(env, vramgate::PlantDeviceAllocation, "plantDeviceAllocation"));
  exports.Set("freeDeviceAllocation", Napi::Function::New(env, vramgate::FreeDeviceAllocation, "freeDeviceAllocation"));
  exports.Set("cudaMemGetInfo", Napi::Function::New(env, vramgate::CudaMemGetInfoJs, "cudaMemGetInfo"));
  return exports;
}

}  // namespace

NODE_API_MODULE(vramgate, Init)
