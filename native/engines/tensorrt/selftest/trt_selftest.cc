// Runs the parts of the TensorRT engine that need TensorRT's headers but not its
// libraries (SHA-256, option parsing, tensor sizes, the logger), so they are exercised
// on machines without TensorRT. Built and run by scripts/check-tensorrt.sh against each
// TensorRT header version; not part of the addon.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "../trt_logger.h"
#include "../trt_options.h"
#include "../trt_sha256.h"
#include "../trt_tensors.h"

namespace {

int failures = 0;

void Check(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "FAIL: %s\n", what.c_str());
  }
}

// The message of what fn throws as std::runtime_error, or "" when it does not throw.
std::string Thrown(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string Hash(const std::string& text) {
  vramgate::trt::Sha256 h;
  h.Update(text);
  return h.HexDigest();
}

void TestSha256() {
  // FIPS 180-4 example vectors.
  Check(Hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of empty input");
  Check(Hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of abc");
  Check(Hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        "sha256 of the 448-bit vector");
  Check(Hash(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        "sha256 of a million a");
  // Fed in uneven pieces, the digest must not change.
  vramgate::trt::Sha256 pieces;
  const std::string text(1000, 'x');
  for (size_t at = 0; at < text.size(); at += 37) pieces.Update(text.substr(at, 37));
  Check(pieces.HexDigest() == Hash(text), "sha256 fed in 37-byte pieces");
  const std::string path = "/tmp/vramgate-trt-selftest-" + std::to_string(::getpid()) + ".bin";
  { std::ofstream(path, std::ios::binary) << "abc"; }
  Check(vramgate::trt::Sha256File(path) == Hash("abc"), "Sha256File");
  std::remove(path.c_str());
  Check(Contains(Thrown([] { vramgate::trt::Sha256File("/nonexistent/model.onnx"); }), "/nonexistent/model.onnx"),
        "Sha256File names a missing file");
}

void TestOptions() {
  using vramgate::trt::ParseTrtOptions;
  const auto defaults = ParseTrtOptions({{"perShapePoolSize", "8"}});
  Check(!defaults.workspaceMiB && !defaults.builderOptimizationLevel && defaults.tacticSources.empty(),
        "defaults leave builder settings to TensorRT");
  Check(defaults.allocation == nvinfer1::ExecutionContextAllocationStrategy::kSTATIC && !defaults.cudaGraph &&
            defaults.cacheDir.empty(),
        "defaults: static allocation, no graphs, no cache");
  const auto set = ParseTrtOptions({{"workspaceMiB", "2048"},
                                    {"builderOptimizationLevel", "5"},
                                    {"allocationStrategy", "on-profile-change"},
                                    {"cudaGraph", "true"},
                                    {"cacheDir", "/tmp/c"},
                                    {"tacticSources", " jit_convolutions , EDGE_MASK_CONVOLUTIONS"}});
  Check(set.workspaceMiB && *set.workspaceMiB == 2048, "workspaceMiB");
  Check(set.builderOptimizationLevel && *set.builderOptimizationLevel == 5, "builderOptimizationLevel");
  Check(set.allocation == nvinfer1::ExecutionContextAllocationStrategy::kON_PROFILE_CHANGE, "on-profile-change");
  Check(set.cudaGraph && set.cacheDir == "/tmp/c", "cudaGraph and cacheDir");
  Check(set.tacticSources.size() == 2 && set.tacticSources[0] == "jit_convolutions", "tacticSources split and trimmed");
  const auto mask = vramgate::trt::TacticSourceMask(set.tacticSources);
  const auto jit = nvinfer1::TacticSources{1} << static_cast<int>(nvinfer1::TacticSource::kJIT_CONVOLUTIONS);
  const auto edge = nvinfer1::TacticSources{1} << static_cast<int>(nvinfer1::TacticSource::kEDGE_MASK_CONVOLUTIONS);
  Check(mask == (jit | edge), "tactic source mask");

  Check(Contains(Thrown([] {
                   ParseTrtOptions({{"workspaceMiB", "12x"}});
                 }),
                 "workspaceMiB must be an integer"),
        "workspaceMiB with trailing text is refused");
  Check(Contains(Thrown([] {
                   ParseTrtOptions({{"builderOptimizationLevel", "6"}});
                 }),
                 "from 0 to 5"),
        "builderOptimizationLevel above 5 is refused");
  Check(Contains(Thrown([] {
                   ParseTrtOptions({{"allocationStrategy", "user-managed"}});
                 }),
                 "user-managed strategy"),
        "allocationStrategy user-managed points to the strategy");
  Check(Contains(Thrown([] {
                   ParseTrtOptions({{"cudaGraph", "yes"}});
                 }),
                 "true or false"),
        "cudaGraph must be boolean");
  const std::string unknown = Thrown([] { ParseTrtOptions({{"tacticSources", "jit_convolutions,magic"}}); });
  Check(Contains(unknown, "\"magic\"") && Contains(unknown, "jit_convolutions"),
        "unknown tactic source lists valid ones");
#if NV_TENSORRT_MAJOR >= 11
  Check(Contains(Thrown([] {
                   ParseTrtOptions({{"tacticSources", "cudnn"}});
                 }),
                 "TensorRT 11"),
        "cudnn tactic source is refused on TensorRT 11");
#else
  Check(Thrown([] {
          ParseTrtOptions({{"tacticSources", "cublas,cublasLt,cudnn"}});
        }).empty(),
        "cuBLAS/cuDNN tactic sources are accepted on TensorRT 10");
#endif
}

void TestTensors() {
  using nvinfer1::DataType;
  using vramgate::trt::TensorBytes;
  using vramgate::trt::ToTrtDims;
  Check(TensorBytes(ToTrtDims({32, 3, 224, 224}, "x"), DataType::kFLOAT, "x") == 32LL * 3 * 224 * 224 * 4,
        "float32 bytes");
  Check(TensorBytes(ToTrtDims({2, 3}, "x"), DataType::kHALF, "x") == 12, "float16 bytes");
  Check(TensorBytes(ToTrtDims({3}, "x"), DataType::kINT4, "x") == 2, "int4 packs two per byte, rounded up");
  Check(TensorBytes(ToTrtDims({}, "x"), DataType::kINT64, "x") == 8, "a scalar is one element");
  Check(Contains(Thrown([] {
                   TensorBytes(ToTrtDims({-1, 10}, "y"), DataType::kFLOAT, "y");
                 }),
                 "data-dependent"),
        "an unresolved dimension is refused");
  Check(Contains(Thrown([] { ToTrtDims({1, 1, 1, 1, 1, 1, 1, 1, 1}, "z"); }), "at most 8"), "rank above 8 is refused");
  Check(vramgate::trt::DimsText(ToTrtDims({1, 3, 224, 224}, "x")) == "[1,3,224,224]", "DimsText");
}

void TestLogger() {
  using Severity = nvinfer1::ILogger::Severity;
  vramgate::trt::TrtLogger logger(vramgate::trt::TrtLogger::ParseLevel("error"));
  logger.log(Severity::kINFO, "selftest: this info line must not be printed");
  Check(logger.LastError().empty(), "info is not an error");
  logger.log(Severity::kERROR, "selftest: [executionContext.cpp::x] Error Code 2: OutOfMemory (Requested size 1)");
  Check(logger.LastErrorIsOutOfMemory(), "TensorRT's OutOfMemory error code is recognised");
  logger.log(Severity::kERROR, "[defaultAllocator.cpp::allocate::31] Error Code 1: Cuda Runtime (out of memory)");
  Check(logger.LastErrorIsOutOfMemory(), "CUDA's out of memory through TensorRT's allocator is recognised");
  logger.log(Severity::kERROR,
             "[executionContext.cpp::x] Error Code 1: Cuda Runtime (an illegal memory access was encountered)");
  Check(!logger.LastErrorIsOutOfMemory(), "an illegal memory access is not out of memory");
  logger.ClearLastError();
  Check(logger.LastError().empty() && !logger.LastErrorIsOutOfMemory(), "ClearLastError");
  Check(Contains(Thrown([] { vramgate::trt::TrtLogger::ParseLevel("loud"); }), "error, warning, info or verbose"),
        "unknown log level is refused");
}

}  // namespace

// The values fill: integers cover [min, max] evenly, floats stay in range, ones/zeros are
// exact in every type, and a smaller buffer is a prefix of a larger one.
void TestValuesPattern() {
  using nvinfer1::DataType;
  using vramgate::trt::FillValuesPattern;
  std::vector<uint8_t> bytes;
  vramgate::InputValues ids;
  ids.given = true;
  ids.min = 3;
  ids.max = 12;
  Check(FillValuesPattern(DataType::kINT64, ids, 8 * 1000, &bytes) && bytes.size() == 8000, "int64 pattern size");
  std::vector<int> counts(10, 0);
  bool inRange = true;
  for (size_t i = 0; i < 1000; ++i) {
    int64_t v = 0;
    std::memcpy(&v, bytes.data() + i * 8, 8);
    if (v < 3 || v > 12) inRange = false;
    else ++counts[static_cast<size_t>(v - 3)];
  }
  Check(inRange, "int64 values within [3, 12]");
  bool even = true;
  for (int c : counts) even = even && c == 100;  // a prime stride: every value once per 10 elements
  Check(even, "int64 values spread evenly over the range, both ends included");

  std::vector<uint8_t> shorter;
  Check(FillValuesPattern(DataType::kINT32, ids, 4 * 10, &shorter) &&
            FillValuesPattern(DataType::kINT32, ids, 4 * 100, &bytes) &&
            std::memcmp(shorter.data(), bytes.data(), shorter.size()) == 0,
        "a smaller buffer's pattern is a prefix of a larger one's");

  vramgate::InputValues range;
  range.given = true;
  range.min = -0.5;
  range.max = 2.0;
  Check(FillValuesPattern(DataType::kFLOAT, range, 4 * 500, &bytes), "float32 pattern");
  float lowest = 10, highest = -10;
  for (size_t i = 0; i < 500; ++i) {
    float f = 0;
    std::memcpy(&f, bytes.data() + i * 4, 4);
    lowest = std::min(lowest, f);
    highest = std::max(highest, f);
  }
  Check(lowest >= -0.5f && highest <= 2.0f && lowest < -0.4f && highest > 1.9f,
        "float32 values spread over [min, max]");

  vramgate::InputValues ones;
  ones.given = true;
  ones.min = ones.max = 1;
  Check(FillValuesPattern(DataType::kHALF, ones, 2 * 3, &bytes) && bytes[0] == 0x00 && bytes[1] == 0x3C &&
            bytes[4] == 0x00 && bytes[5] == 0x3C,
        "ones in float16 are 0x3C00");
  Check(FillValuesPattern(DataType::kBF16, ones, 2, &bytes) && bytes[0] == 0x80 && bytes[1] == 0x3F,
        "ones in bfloat16 are 0x3F80");
  Check(FillValuesPattern(DataType::kINT32, ones, 4, &bytes) && bytes[0] == 1 && bytes[1] == 0, "ones in int32");
  vramgate::InputValues zeros;
  zeros.given = true;
  Check(FillValuesPattern(DataType::kFLOAT, zeros, 4 * 4, &bytes) &&
            std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; }),
        "zeros in float32");
  Check(!FillValuesPattern(DataType::kFP8, ones, 4, &bytes), "fp8 has no values fill (the default memset applies)");
  Check(vramgate::trt::FloatToHalfBits(65504.0f) == 0x7BFF && vramgate::trt::FloatToHalfBits(1e6f) == 0x7C00 &&
            vramgate::trt::FloatToHalfBits(-2.0f) == 0xC000,
        "float16 conversion: largest finite, overflow to Inf, sign");
}

int main() {
  TestSha256();
  TestOptions();
  TestTensors();
  TestValuesPattern();
  TestLogger();
  if (failures > 0) {
    std::fprintf(stderr, "trt_selftest (TensorRT %d headers): %d check(s) failed\n", NV_TENSORRT_MAJOR, failures);
    return 1;
  }
  std::printf("trt_selftest (TensorRT %d.%d headers): all checks passed\n", NV_TENSORRT_MAJOR, NV_TENSORRT_MINOR);
  return 0;
}
