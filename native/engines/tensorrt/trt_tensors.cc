#include "trt_tensors.h"

#include <cmath>
#include <cstring>
#include <limits>
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
    case 0: return 32;  // kFLOAT
    case 1: return 16;  // kHALF
    case 2: return 8;   // kINT8
    case 3: return 32;  // kINT32
    case 4: return 8;   // kBOOL
    case 5: return 8;   // kUINT8
    case 6: return 8;   // kFP8
    case 7: return 16;  // kBF16
    case 8: return 64;  // kINT64
    case 9: return 4;   // kINT4
    case 10: return 4;  // kFP4
    case 11: return 8;  // kE8M0
    default: break;
  }
  throw std::runtime_error("unknown TensorRT data type " + std::to_string(static_cast<int>(type)));
}

std::string DataTypeName(nvinfer1::DataType type) {
  static const char* const kNames[] = {"float32", "float16",  "int8",  "int32", "bool", "uint8",
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

uint16_t FloatToHalfBits(float value) {
  uint32_t x = 0;
  std::memcpy(&x, &value, sizeof x);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const int32_t exp = static_cast<int32_t>((x >> 23) & 0xffu);
  uint32_t mant = x & 0x7fffffu;
  if (exp == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0u));  // Inf / NaN
  int32_t e = exp - 127 + 15;
  if (e >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit 1 in, then round to nearest even.
    if (e < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000u;
    const int32_t shift = 14 - e;
    uint32_t half = mant >> shift;
    const uint32_t rest = mant & ((1u << shift) - 1u);
    const uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  const uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // a carry into the exponent is right
  return static_cast<uint16_t>(sign | half);
}

uint16_t FloatToBf16Bits(float value) {
  uint32_t x = 0;
  std::memcpy(&x, &value, sizeof x);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet NaN
  x += 0x7fffu + ((x >> 16) & 1u);
  return static_cast<uint16_t>(x >> 16);
}

namespace {

template <typename T>
void Store(std::vector<uint8_t>* out, int64_t i, T v) {
  std::memcpy(out->data() + i * static_cast<int64_t>(sizeof(T)), &v, sizeof(T));
}

// Integer element i: min + (i * stride) mod n (n <= 2^31: (i mod n) * (stride mod n) < 2^62
// cannot overflow); wider ranges than any buffer take the plain ramp min + i mod n.
int64_t IntegerAt(int64_t i, int64_t lo, int64_t n) {
  if (n <= 1) return lo;
  if (n <= (int64_t{1} << 31)) return lo + ((i % n) * (kValueStride % n)) % n;
  return lo + i % n;
}

template <typename T>
T Saturate(int64_t v) {
  if (v < static_cast<int64_t>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (v > static_cast<int64_t>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

}  // namespace

bool FillValuesPattern(nvinfer1::DataType type, const InputValues& values, int64_t bytes, std::vector<uint8_t>* out) {
  // By value, like ElementBits: the enumerators differ between TensorRT versions.
  const int32_t code = static_cast<int32_t>(type);
  const bool supported =
      code == 0 || code == 1 || code == 2 || code == 3 || code == 4 || code == 5 || code == 7 || code == 8;
  if (!supported) return false;
  const int64_t size = ElementBits(type) / 8;
  const int64_t count = bytes / size;
  out->assign(static_cast<size_t>(count * size), 0);
  const double lo = values.min;
  const double span = values.max - values.min;
  const int64_t ilo = static_cast<int64_t>(values.min);
  const int64_t n = static_cast<int64_t>(values.max) - ilo + 1;
  for (int64_t i = 0; i < count; ++i) {
    double frac = static_cast<double>(i) * kValueGolden;
    frac -= std::floor(frac);
    const float f = static_cast<float>(span == 0 ? lo : lo + frac * span);
    switch (code) {
      case 0: Store(out, i, f); break;                                                // kFLOAT
      case 1: Store(out, i, FloatToHalfBits(f)); break;                               // kHALF
      case 7: Store(out, i, FloatToBf16Bits(f)); break;                               // kBF16
      case 2: Store(out, i, Saturate<int8_t>(IntegerAt(i, ilo, n))); break;           // kINT8
      case 3: Store(out, i, Saturate<int32_t>(IntegerAt(i, ilo, n))); break;          // kINT32
      case 4: Store(out, i, static_cast<uint8_t>(IntegerAt(i, ilo, n) != 0)); break;  // kBOOL
      case 5: Store(out, i, Saturate<uint8_t>(IntegerAt(i, ilo, n))); break;          // kUINT8
      case 8: Store(out, i, IntegerAt(i, ilo, n)); break;                             // kINT64
      default: break;
    }
  }
  return true;
}

}  // namespace vramgate::trt
