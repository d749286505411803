// The CUDA runtime, loaded with dlopen on first use. Used for the planted-allocation
// self-test (cudaMalloc/cudaFree from the addon) and cudaMemGetInfo. Only the version
// queries are free of side effects: cudaMalloc / cudaMemGetInfo create a CUDA context
// (about 0.5 GiB of device memory on an H100), so the sampler never calls them.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "common/dynlib.h"

namespace vramgate {

class CudaRuntime {
 public:
  static CudaRuntime& Get();

  // Loads the library once (candidates: $VRAMGATE_CUDART_PATH, libcudart.so{,.13,.12,.11.0},
  // $CUDA_HOME/lib64, /usr/local/cuda/lib64, …). False and error() says why on failure.
  bool Init();
  const LibraryLoad& load() const { return load_; }
  bool ready() const { return ready_; }
  const std::string& error() const { return error_; }

  // 0 when unknown (e.g. 13000 = CUDA 13.0). Driver version 0 also means "no driver".
  int RuntimeVersion();
  int DriverVersion();

  // Throws std::runtime_error with the CUDA error text on failure.
  void* Malloc(uint64_t bytes, int device);
  void Free(void* ptr);
  void MemGetInfo(int device, uint64_t* freeBytes, uint64_t* totalBytes);

 private:
  CudaRuntime() = default;
  std::string Describe(int code);
  void SetDevice(int device);

  std::once_flag once_;
  LibraryLoad load_;
  bool ready_ = false;
  std::string error_;

  int (*runtimeVersion_)(int*) = nullptr;
  int (*driverVersion_)(int*) = nullptr;
  int (*malloc_)(void**, size_t) = nullptr;
  int (*free_)(void*) = nullptr;
  int (*memGetInfo_)(size_t*, size_t*) = nullptr;
  int (*setDevice_)(int) = nullptr;
  const char* (*errorString_)(int) = nullptr;
};

}  // namespace vramgate
