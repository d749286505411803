// The GPU allocator given to TensorRT's runtime: plain cudaMalloc/cudaFree (what the
// default allocator does) plus a count of live and peak bytes, so the engine can report
// how much device memory TensorRT itself holds (weights, context activations, scratch),
// and a flag that says an allocation failed for lack of memory.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include <NvInferRuntime.h>

namespace vramgate::trt {

class CountingGpuAllocator : public nvinfer1::IGpuAllocator {
 public:
  CountingGpuAllocator() = default;
  ~CountingGpuAllocator() override = default;

  void* allocate(uint64_t size, uint64_t alignment, nvinfer1::AllocatorFlags flags) noexcept override;
  bool deallocate(void* memory) noexcept override;
  void* allocateAsync(uint64_t size, uint64_t alignment, nvinfer1::AllocatorFlags flags,
                      cudaStream_t stream) noexcept override;
  bool deallocateAsync(void* memory, cudaStream_t stream) noexcept override;

  int64_t liveBytes() const;
  int64_t peakBytes() const;
  // True once since the last call if an allocation failed with cudaErrorMemoryAllocation.
  bool TakeOutOfMemory();

 private:
  struct Block {
    void* base;  // what cudaMalloc returned (differs from the handed-out address when over-aligned)
    uint64_t sizeBytes;
  };
  mutable std::mutex mutex_;  // TensorRT may allocate from its own threads
  std::unordered_map<void*, Block> blocks_;
  int64_t liveBytes_ = 0;
  int64_t peakBytes_ = 0;
  bool outOfMemory_ = false;
};

}  // namespace vramgate::trt
