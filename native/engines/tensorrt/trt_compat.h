// What differs between the TensorRT versions this engine compiles against (10.x, 11.x).
// TensorRT 11 removed the weak-typing precision flags (BuilderFlag::kFP16/kBF16/kINT8/kFP8:
// every network is strongly typed, its types come from the model) and the cuBLAS/cuDNN
// tactic sources. TensorRT 10 still has them, deprecated; where this engine uses them on
// purpose, the deprecation warning is silenced between these two macros.
#pragma once

#include <NvInferVersion.h>

// The V2 device-memory calls (getDeviceMemorySizeV2, setDeviceMemoryV2,
// getDeviceMemorySizeForProfileV2) that the user-managed strategy and the memory figures
// rely on arrived in TensorRT 10.1.
#if NV_TENSORRT_MAJOR < 10 || (NV_TENSORRT_MAJOR == 10 && NV_TENSORRT_MINOR < 1)
#error "vramgate's TensorRT engine needs TensorRT 10.1 or newer"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define VRAMGATE_TRT_ALLOW_DEPRECATED_BEGIN \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wdeprecated-declarations\"")
#define VRAMGATE_TRT_ALLOW_DEPRECATED_END _Pragma("GCC diagnostic pop")
#else
#define VRAMGATE_TRT_ALLOW_DEPRECATED_BEGIN
#define VRAMGATE_TRT_ALLOW_DEPRECATED_END
#endif

// 1 where IBuilderConfig still takes precision flags (weakly typed networks).
#if NV_TENSORRT_MAJOR >= 11
#define VRAMGATE_TRT_HAS_PRECISION_FLAGS 0
#else
#define VRAMGATE_TRT_HAS_PRECISION_FLAGS 1
#endif
