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
  using nvinfer1::DataType;
  switch (type) {
    case DataType::kFLOAT: return 32;
    case DataType::kHALF: return 16;
    case DataType::kBF16: return 16;
    case DataType::kINT8: return 8;
    case DataType::kUINT8: return 8;
    case DataType::kBOOL: return 8;
    case DataType::kFP8: return 8;
    case DataType::kE8M0: return 8;
    case DataType::kINT32: return 32;
    case DataType::kINT64: return 64;
    case DataType::kINT4: return 4;
    case DataType::kFP4: return 4;
  }
  throw std::runtime_error("unknown TensorRT data type " + std::to_string(static_cast<int>(type)));
}

std::string DataTypeName(nvinfer1::DataType type) {
  using nvinfer1::DataType;
  switch (type) {
    case DataType::kFLOAT: return "float32";
    case DataType::kHALF: return "float16";
    case DataType::kBF16: return "bfloat16";
    case DataType::kINT8: return "int8";
    case DataType::kUINT8: return "uint8";
    case DataType::kBOOL: return "bool";
    case DataType::kFP8: return "fp8";
    case DataType::kE8M0: return "e8m0";
    case DataType::kINT32: return "int32";
    case DataType::kINT64: return "int64";
    case DataType::kINT4: return "int4";
    case DataType::kFP4: return "fp4";
  }
  return "type" + std::to_string(static_cast<int>(type));
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
