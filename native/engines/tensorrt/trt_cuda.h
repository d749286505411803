// CUDA runtime helpers for the TensorRT engine: error checks that turn an allocation
// failure into vramgate::OutOfMemory, and owning wrappers so every early exit frees
// what it allocated (the scoped strategy creates and destroys these on every call).
#pragma once

#include <cstdint>
#include <string>

#include <cuda_runtime_api.h>

namespace vramgate::trt {

// Throws vramgate::OutOfMemory for cudaErrorMemoryAllocation, std::runtime_error for any
// other failure; `what` names the operation ("cudaMalloc for output \"logits\"").
void CheckCuda(cudaError_t status, const std::string& what);

// cudaMalloc'd device memory, freed on destruction.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(int64_t sizeBytes, const std::string& what);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() const { return data_; }
  int64_t sizeBytes() const { return sizeBytes_; }
  // Gives up ownership: the memory is never freed (fault injection).
  void* Release();

 private:
  void* data_ = nullptr;
  int64_t sizeBytes_ = 0;
};

class Stream {
 public:
  Stream();
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

class Event {
 public:
  Event();
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

class GraphExec {
 public:
  GraphExec() = default;
  explicit GraphExec(cudaGraphExec_t exec) : exec_(exec) {}
  ~GraphExec();
  GraphExec(GraphExec&& other) noexcept : exec_(other.exec_) { other.exec_ = nullptr; }
  GraphExec& operator=(GraphExec&& other) noexcept;
  GraphExec(const GraphExec&) = delete;
  GraphExec& operator=(const GraphExec&) = delete;
  cudaGraphExec_t get() const { return exec_; }

 private:
  cudaGraphExec_t exec_ = nullptr;
};

}  // namespace vramgate::trt
