#include "trt_allocator.h"

#include <algorithm>

#include <cuda_runtime_api.h>

namespace vramgate::trt {
namespace {
// cudaMalloc returns at least 256-byte aligned addresses.
constexpr uint64_t kCudaMallocAlignment = 256;
}  // namespace

void* CountingGpuAllocator::allocate(uint64_t size, uint64_t alignment, nvinfer1::AllocatorFlags /*flags*/) noexcept {
  // A zero or power-of-two alignment is all TensorRT asks for; anything larger than
  // cudaMalloc's own is met by over-allocating and rounding the address up.
  const uint64_t extra = alignment > kCudaMallocAlignment ? alignment - 1 : 0;
  void* base = nullptr;
  const cudaError_t status = cudaMalloc(&base, size + extra);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    std::lock_guard<std::mutex> lock(mutex_);
    if (status == cudaErrorMemoryAllocation) outOfMemory_ = true;
    return nullptr;
  }
  auto address = reinterpret_cast<uintptr_t>(base);
  if (extra != 0) address = (address + alignment - 1) / alignment * alignment;
  void* handed = reinterpret_cast<void*>(address);
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    blocks_[handed] = Block{base, size + extra};
    liveBytes_ += static_cast<int64_t>(size + extra);
    peakBytes_ = std::max(peakBytes_, liveBytes_);
  } catch (...) {
    (void)cudaFree(base);
    return nullptr;
  }
  return handed;
}

bool CountingGpuAllocator::deallocate(void* memory) noexcept {
  if (memory == nullptr) return true;
  void* base = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = blocks_.find(memory);
    if (it == blocks_.end()) return false;  // not ours: refuse rather than free a stranger's pointer
    base = it->second.base;
    liveBytes_ -= static_cast<int64_t>(it->second.sizeBytes);
    blocks_.erase(it);
  }
  return cudaFree(base) == cudaSuccess;
}

void* CountingGpuAllocator::allocateAsync(uint64_t size, uint64_t alignment, nvinfer1::AllocatorFlags flags,
                                          cudaStream_t /*stream*/) noexcept {
  // cudaMalloc is synchronous with respect to the device, which is always safe for a
  // stream-ordered request.
  return allocate(size, alignment, flags);
}

bool CountingGpuAllocator::deallocateAsync(void* memory, cudaStream_t /*stream*/) noexcept {
  // cudaFree waits for outstanding work on the device before releasing, so freeing now
  // honours the stream order TensorRT asked for.
  return deallocate(memory);
}

int64_t CountingGpuAllocator::liveBytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return liveBytes_;
}

int64_t CountingGpuAllocator::peakBytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peakBytes_;
}

bool CountingGpuAllocator::TakeOutOfMemory() {
  std::lock_guard<std::mutex> lock(mutex_);
  const bool was = outOfMemory_;
  outOfMemory_ = false;
  return was;
}

}  // namespace vramgate::trt
