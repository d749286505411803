#include "trt_cuda.h"

#include <cstdio>
#include <stdexcept>
#include <utility>

#include "../engine.h"

namespace vramgate::trt {

void CheckCuda(cudaError_t status, const std::string& what) {
  if (status == cudaSuccess) return;
  // Reset the thread's last-error slot: an allocation failure is not sticky, and the
  // next call must not see it again.
  (void)cudaGetLastError();
  const std::string message = what + " failed: " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")";
  if (status == cudaErrorMemoryAllocation) throw OutOfMemory(message);
  throw std::runtime_error(message);
}

DeviceBuffer::DeviceBuffer(int64_t sizeBytes, const std::string& what) : sizeBytes_(sizeBytes) {
  if (sizeBytes <= 0) {
    sizeBytes_ = 0;
    return;
  }
  CheckCuda(cudaMalloc(&data_, static_cast<size_t>(sizeBytes)),
            "cudaMalloc of " + std::to_string(sizeBytes) + " bytes for " + what);
}

DeviceBuffer::~DeviceBuffer() {
  if (data_ != nullptr) (void)cudaFree(data_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), sizeBytes_(std::exchange(other.sizeBytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) (void)cudaFree(data_);
    data_ = std::exchange(other.data_, nullptr);
    sizeBytes_ = std::exchange(other.sizeBytes_, 0);
  }
  return *this;
}

void* DeviceBuffer::Release() {
  sizeBytes_ = 0;
  return std::exchange(data_, nullptr);
}

Stream::Stream() { CheckCuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags"); }

Stream::~Stream() {
  if (stream_ != nullptr) (void)cudaStreamDestroy(stream_);
}

Event::Event() { CheckCuda(cudaEventCreate(&event_), "cudaEventCreate"); }

Event::~Event() {
  if (event_ != nullptr) (void)cudaEventDestroy(event_);
}

GraphExec::~GraphExec() {
  if (exec_ != nullptr) (void)cudaGraphExecDestroy(exec_);
}

GraphExec& GraphExec::operator=(GraphExec&& other) noexcept {
  if (this != &other) {
    if (exec_ != nullptr) (void)cudaGraphExecDestroy(exec_);
    exec_ = std::exchange(other.exec_, nullptr);
  }
  return *this;
}

}  // namespace vramgate::trt
