// Conversions between vramgate shapes and TensorRT Dims, and tensor byte sizes.
#pragma once

#include <cstdint>
#include <string>

#include <NvInferRuntime.h>

#include "../engine.h"

namespace vramgate::trt {

// Throws std::runtime_error when the rank exceeds nvinfer1::Dims::MAX_DIMS.
nvinfer1::Dims ToTrtDims(const Dims& dims, const std::string& tensorName);
Dims FromTrtDims(const nvinfer1::Dims& dims);
// "[1,3,224,224]"; -1 stands for a dynamic dimension.
std::string DimsText(const Dims& dims);
std::string DimsText(const nvinfer1::Dims& dims);
// Bits per element (4 for the packed INT4/FP4 types).
int32_t ElementBits(nvinfer1::DataType type);
std::string DataTypeName(nvinfer1::DataType type);
// Bytes a linear tensor of this shape and type takes; throws for a negative dimension.
int64_t TensorBytes(const nvinfer1::Dims& dims, nvinfer1::DataType type, const std::string& tensorName);

}  // namespace vramgate::trt
