#include "trt_tensors.h"

#include <stdexcept>

namespace vramgate::trt {

nvinfer1::Dims ToTrtDims(const Dims& dims, const std::string& tensorName) {
  nvinfer1::Dims out{};
  if (dims.size() > static_cast<size_t>(nvinfer1::Dims::MAX_DIMS)) {
    throw std::runtime_error("tensor \"" + tensorName + "\" has rank " + std::to_string(dims.size()) +
                             "; TensorRT supports at most " + std::to_string(nvinfer1::Dims::MAX_DIMS));
  }
  out.nbDims = static_cast<int32_t>(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) out.d[i] = dims[i];
  return out;
}

Dims FromTrtDims(const nvinfer1::Dims& dims) {
  Dims out;
  for (int32_t i = 0; i < dims.nbDims; ++i) out.push_back(dims.d[i]);
  return out;
}

std::string DimsText(const Dims& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? "," : "") + std::to_string(dims[i]);
  return out + "]";
}

std::string DimsText(const nvinfer1::Dims& dims) { return DimsText(FromTrtDims(dims)); }

int32_t ElementBits(nvinfer1::DataType type) {
  // By value, not by enumerator: FP4 (10) and E8M0 (11) exist only from TensorRT 10.8 /
  // 10.12 on, and this file compiles against every 10.x from 10.1.
  switch (static_cast<int32_t>(type)) {
    case 0: return 32;   // kFLOAT
    case 1: return 16;   // kHALF
    case 2: return 8;    // kINT8
    case 3: return 32;   // kINT32
    case 4: return 8;    // kBOOL
    case 5: return 8;    // kUINT8
    case 6: return 8;    // kFP8
    case 7: return 16;   // kBF16
    case 8: return 64;   // kINT64
    case 9: return 4;    // kINT4
    case 10: return 4;   // kFP4
    case 11: return 8;   // kE8M0
    default: break;
  }
  throw std::runtime_error("unknown TensorRT data type " + std::to_string(static_cast<int>(type)));
}

std::string DataTypeName(nvinfer1::DataType type) {
  static const char* const kNames[] = {"float32", "float16", "int8",  "int32", "bool", "uint8",
                                       "fp8",     "bfloat16", "int64", "int4",  "fp4",  "e8m0"};
  const auto index = static_cast<int32_t>(type);
  if (index >= 0 && index < static_cast<int32_t>(sizeof(kNames) / sizeof(kNames[0]))) return kNames[index];
  return "type" + std::to_string(index);
}

int64_t TensorBytes(const nvinfer1::Dims& dims, nvinfer1::DataType type, const std::string& tensorName) {
  int64_t elements = 1;
  for (int32_t i = 0; i < dims.nbDims; ++i) {
    if (dims.d[i] < 0) {
      throw std::runtime_error("tensor \"" + tensorName + "\" has shape " + DimsText(dims) +
                               " with an unresolved dimension (data-dependent output shapes are not supported)");
    }
    elements *= dims.d[i];
  }
  return (elements * ElementBits(type) + 7) / 8;
}

}  // namespace vramgate::trt
