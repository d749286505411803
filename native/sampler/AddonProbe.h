// Module-level functions: what the addon found on this machine, the shared clock, and a
// planted device allocation for sampler self-tests.
#pragma once

#include <napi.h>

namespace vramgate {

// probe(): AddonProbe — loads NVML and the CUDA runtime (no CUDA context is created).
Napi::Value Probe(const Napi::CallbackInfo& info);
// monotonicNs(): number — CLOCK_MONOTONIC in ns (exact below 2^53 ns ≈ 104 days of uptime).
Napi::Value MonotonicNsJs(const Napi::CallbackInfo& info);
// plantDeviceAllocation(bytes: number, device?: number): number — cudaMalloc through the
// dlopen'ed runtime; returns a handle. Throws Error when no CUDA runtime/device.
Napi::Value PlantDeviceAllocation(const Napi::CallbackInfo& info);
// freeDeviceAllocation(handle: number): void — throws RangeError for an unknown handle.
Napi::Value FreeDeviceAllocation(const Napi::CallbackInfo& info);
// cudaMemGetInfo(device?: number): {freeBytes, totalBytes} — creates a CUDA context.
Napi::Value CudaMemGetInfoJs(const Napi::CallbackInfo& info);

}  // namespace vramgate
