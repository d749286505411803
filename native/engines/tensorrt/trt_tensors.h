// Conversions between vramgate shapes and TensorRT Dims, and tensor byte sizes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// Host bytes of an input filled per the scenario's values (the formulas in engine.h, the
// same as the libtorch engine's): integers min + (i * kValueStride) mod n, floats
// min + frac(i * kValueGolden) * (max - min), for element i. Element i depends on i only,
// so a buffer for a smaller shape is a prefix. Writes `bytes` bytes (whole elements) and
// returns true; returns false for types with no such fill (fp8, int4, fp4, e8m0), which
// keep the default memset fill.
bool FillValuesPattern(nvinfer1::DataType type, const InputValues& values, int64_t bytes, std::vector<uint8_t>* out);
// IEEE binary16 / bfloat16 bits of a float, rounding to nearest even (Inf past the range).
uint16_t FloatToHalfBits(float value);
uint16_t FloatToBf16Bits(float value);

}  // namespace vramgate::trt
