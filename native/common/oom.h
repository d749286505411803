// The one rule for "does this error message say memory ran out?" on the C++ side. The same
// markers live in src/engines/oom.ts and python/vramgate_oom.py; all three are tested
// against test/fixtures/oom-cases.json (test/engines/oom.test.ts compiles oom.cc with
// test/native/fixtures/oom_cases.cc using g++ and feeds it the cases).
#pragma once

#include <string_view>

namespace vramgate {

// True when an error message reads as memory running out (device or host): CUDA's
// "out of memory" / cudaErrorMemoryAllocation / CUDA_ERROR_OUT_OF_MEMORY, cuDNN's and
// cuBLAS's *_ALLOC_FAILED, PyTorch's "CUDA out of memory", ONNX Runtime's "Failed to
// allocate memory", TensorRT's "Error Code 2: OutOfMemory", std::bad_alloc. Case-insensitive.
bool IsOutOfMemoryMessage(std::string_view message);

}  // namespace vramgate
