#include "trt_build.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <NvInfer.h>
#include <NvOnnxParser.h>
#include <cuda_runtime_api.h>

#include "trt_compat.h"
#include "trt_sha256.h"
#include "trt_tensors.h"

namespace vramgate::trt {
namespace fs = std::filesystem;

namespace {

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string DeviceText(int device) {
  cudaDeviceProp props{};
  if (cudaGetDeviceProperties(&props, device) != cudaSuccess) {
    (void)cudaGetLastError();
    return "device " + std::to_string(device) + " (properties unavailable)";
  }
  return std::string(props.name) + " sm_" + std::to_string(props.major) + std::to_string(props.minor);
}

std::string LibraryVersionText() {
  const int32_t v = getInferLibVersion();
  return std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." + std::to_string(v % 100);
}

bool HasLayerType(const nvinfer1::INetworkDefinition& network, std::initializer_list<nvinfer1::LayerType> types) {
  for (int32_t i = 0; i < network.getNbLayers(); ++i) {
    const nvinfer1::LayerType t = network.getLayer(i)->getType();
    for (auto wanted : types) {
      if (t == wanted) return true;
    }
  }
  return false;
}

// True when some layer produces a tensor of this type (in a strongly typed network the
// types are the model's own).
bool ComputesIn(const nvinfer1::INetworkDefinition& network, nvinfer1::DataType type) {
  for (int32_t i = 0; i < network.getNbLayers(); ++i) {
    const nvinfer1::ILayer* layer = network.getLayer(i);
    for (int32_t o = 0; o < layer->getNbOutputs(); ++o) {
      if (layer->getOutput(o)->getType() == type) return true;
    }
  }
  return false;
}

// Applies the scenario's precision: builder flags on TensorRT 10 (weakly typed networks),
// a check that the model carries the types on TensorRT 11 (strongly typed only).
void ApplyPrecision(const std::string& precision, const std::string& modelPath,
                    const nvinfer1::INetworkDefinition& network, nvinfer1::IBuilderConfig& config) {
  using nvinfer1::LayerType;
  if (precision == "int8" || precision == "fp8") {
    // Implicit (calibrated) quantization needs an IInt8Calibrator and data; only models that
    // carry their own quantization (QuantizeLinear/DequantizeLinear) are built.
    if (!HasLayerType(network, {LayerType::kQUANTIZE, LayerType::kDEQUANTIZE})) {
      throw std::runtime_error("precision " + precision + " needs calibration data (not supported by vramgate) or a " +
                               "quantized model with QuantizeLinear/DequantizeLinear (Q/DQ) nodes; " + modelPath +
                               " has none. Quantize the model (e.g. with NVIDIA ModelOpt) or use fp16/bf16/fp32.");
    }
    return;  // built strongly typed (see CreateNetwork): the Q/DQ nodes decide the types
  }
  if (precision == "fp32") {
    if (ComputesIn(network, nvinfer1::DataType::kHALF) || ComputesIn(network, nvinfer1::DataType::kBF16)) {
      std::fprintf(stderr,
                   "[vramgate tensorrt] warning: %s computes in 16-bit types itself; precision fp32 cannot "
                   "raise them\n",
                   modelPath.c_str());
    }
    return;
  }
  if (precision != "fp16" && precision != "bf16") {
    throw std::runtime_error("unknown precision \"" + precision + "\" (expected fp32, fp16, bf16, int8 or fp8)");
  }
#if VRAMGATE_TRT_HAS_PRECISION_FLAGS
  (void)network;
  (void)modelPath;
  VRAMGATE_TRT_ALLOW_DEPRECATED_BEGIN
  config.setFlag(precision == "fp16" ? nvinfer1::BuilderFlag::kFP16 : nvinfer1::BuilderFlag::kBF16);
  VRAMGATE_TRT_ALLOW_DEPRECATED_END
#else
  (void)config;
  const auto type = precision == "fp16" ? nvinfer1::DataType::kHALF : nvinfer1::DataType::kBF16;
  if (!ComputesIn(network, type)) {
    throw std::runtime_error("TensorRT " + std::to_string(NV_TENSORRT_MAJOR) +
                             " builds strongly typed networks only (the precision flags are gone), so precision " +
                             precision + " needs a model whose tensors are " + DataTypeName(type) + "; " + modelPath +
                             " has none. Export the model in " + precision + " or use precision fp32.");
  }
#endif
}

// TensorRT 10: weakly typed unless the precision comes from Q/DQ nodes. TensorRT 11: every
// network is strongly typed and the flag is deprecated and ignored, so none is passed.
nvinfer1::NetworkDefinitionCreationFlags NetworkFlags(const std::string& precision) {
#if NV_TENSORRT_MAJOR < 11
  if (precision == "int8" || precision == "fp8") {
    return 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kSTRONGLY_TYPED);
  }
#else
  (void)precision;
#endif
  return 0;
}

const InputProfile* FindProfile(const EngineConfig& cfg, const std::string& name) {
  for (const auto& p : cfg.profile) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

void AddProfile(const EngineConfig& cfg, nvinfer1::IBuilder& builder, const nvinfer1::INetworkDefinition& network,
                nvinfer1::IBuilderConfig& config) {
  using nvinfer1::OptProfileSelector;
  nvinfer1::IOptimizationProfile* profile = builder.createOptimizationProfile();  // owned by the builder
  std::string modelInputs;
  for (int32_t i = 0; i < network.getNbInputs(); ++i) {
    modelInputs += (i ? ", " : "") + std::string(network.getInput(i)->getName());
  }
  for (const auto& p : cfg.profile) {
    bool found = false;
    for (int32_t i = 0; i < network.getNbInputs(); ++i) found = found || p.name == network.getInput(i)->getName();
    if (!found) {
      throw std::runtime_error("profile names input \"" + p.name + "\", which " + cfg.modelPath +
                               " does not have (its inputs: " + modelInputs + ")");
    }
  }
  for (int32_t i = 0; i < network.getNbInputs(); ++i) {
    const nvinfer1::ITensor* input = network.getInput(i);
    const std::string name = input->getName();
    const nvinfer1::Dims declared = input->getDimensions();
    const InputProfile* p = FindProfile(cfg, name);
    Dims min, opt, max;
    if (p != nullptr) {
      min = p->min;
      opt = p->opt;
      max = p->max;
    } else {
      for (int32_t d = 0; d < declared.nbDims; ++d) {
        if (declared.d[d] < 0) {
          throw std::runtime_error("model input \"" + name + "\" has dynamic shape " + DimsText(declared) +
                                   " but the profile does not name it; add profile." + name + " (min/opt/max)");
        }
      }
      min = opt = max = FromTrtDims(declared);
    }
    for (const Dims* dims : {&min, &opt, &max}) {
      bool fits = static_cast<int32_t>(dims->size()) == declared.nbDims;
      for (int32_t d = 0; fits && d < declared.nbDims; ++d) fits = declared.d[d] < 0 || declared.d[d] == (*dims)[d];
      if (!fits) {
        throw std::runtime_error("profile." + name + " shape " + DimsText(*dims) +
                                 " does not match the model's input " + DimsText(declared) +
                                 " (-1 marks the dimensions that may vary)");
      }
    }
    if (!profile->setDimensions(name.c_str(), OptProfileSelector::kMIN, ToTrtDims(min, name)) ||
        !profile->setDimensions(name.c_str(), OptProfileSelector::kOPT, ToTrtDims(opt, name)) ||
        !profile->setDimensions(name.c_str(), OptProfileSelector::kMAX, ToTrtDims(max, name))) {
      throw std::runtime_error("TensorRT refused profile." + name + " min " + DimsText(min) + " opt " + DimsText(opt) +
                               " max " + DimsText(max) + " (each dimension needs min <= opt <= max)");
    }
  }
  if (config.addOptimizationProfile(profile) < 0) throw std::runtime_error("TensorRT refused the optimization profile");
}

std::string ParserErrors(const nvonnxparser::IParser& parser) {
  std::ostringstream out;
  for (int32_t i = 0; i < parser.getNbErrors(); ++i) {
    const nvonnxparser::IParserError* e = parser.getError(i);
    out << "\n  " << e->desc();
    if (e->node() >= 0) out << " (node " << e->node() << " " << e->nodeName() << ", op " << e->nodeOperator() << ")";
  }
  return out.str();
}

std::vector<char> BuildFromOnnx(const EngineConfig& cfg, const TrtOptions& opts, TrtLogger& logger,
                                const std::string& timingCachePath) {
  std::unique_ptr<nvinfer1::IBuilder> builder(nvinfer1::createInferBuilder(logger));
  if (!builder) throw std::runtime_error("TensorRT createInferBuilder failed: " + logger.LastError());
  std::unique_ptr<nvinfer1::INetworkDefinition> network(builder->createNetworkV2(NetworkFlags(cfg.precision)));
  std::unique_ptr<nvonnxparser::IParser> parser(nvonnxparser::createParser(*network, logger));
  if (!network || !parser)
    throw std::runtime_error("TensorRT could not create a network/ONNX parser: " + logger.LastError());
  if (!parser->parseFromFile(cfg.modelPath.c_str(), static_cast<int>(nvinfer1::ILogger::Severity::kWARNING))) {
    throw std::runtime_error("the TensorRT ONNX parser rejected " + cfg.modelPath + ":" + ParserErrors(*parser));
  }
  std::unique_ptr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
  if (!config) throw std::runtime_error("TensorRT createBuilderConfig failed: " + logger.LastError());
  AddProfile(cfg, *builder, *network, *config);
  ApplyPrecision(cfg.precision, cfg.modelPath, *network, *config);
  if (opts.workspaceMiB) {
    config->setMemoryPoolLimit(nvinfer1::MemoryPoolType::kWORKSPACE, static_cast<size_t>(*opts.workspaceMiB) << 20);
  }
  if (opts.builderOptimizationLevel) config->setBuilderOptimizationLevel(*opts.builderOptimizationLevel);
  if (!opts.tacticSources.empty() && !config->setTacticSources(TacticSourceMask(opts.tacticSources))) {
    throw std::runtime_error("TensorRT refused tensorrt.tacticSources: " + logger.LastError());
  }

  // Timing cache: loaded when present, saved after the build so later builds (other
  // precisions, profiles) reuse the measured tactics.
  std::vector<char> timingBytes;
  if (!timingCachePath.empty() && fs::exists(timingCachePath)) timingBytes = ReadWholeFile(timingCachePath);
  std::unique_ptr<nvinfer1::ITimingCache> timingCache(
      config->createTimingCache(timingBytes.empty() ? nullptr : timingBytes.data(), timingBytes.size()));
  if (!timingCache && !timingBytes.empty()) {
    std::fprintf(stderr, "[vramgate tensorrt] warning: ignoring unreadable timing cache %s\n", timingCachePath.c_str());
    timingCache.reset(config->createTimingCache(nullptr, 0));
  }
  if (timingCache && !config->setTimingCache(*timingCache, /*ignoreMismatch=*/false)) {
    std::fprintf(stderr,
                 "[vramgate tensorrt] warning: timing cache %s was made on another device or version; "
                 "building without it\n",
                 timingCachePath.c_str());
  }

  logger.ClearLastError();
  std::unique_ptr<nvinfer1::IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
  if (!plan || plan->size() == 0) {
    const std::string message = "TensorRT could not build " + cfg.modelPath + ": " + logger.LastError();
    if (logger.LastErrorIsOutOfMemory()) throw OutOfMemory(message);
    throw std::runtime_error(message);
  }
  if (!timingCachePath.empty()) {
    if (const nvinfer1::ITimingCache* used = config->getTimingCache()) {
      std::unique_ptr<nvinfer1::IHostMemory> blob(used->serialize());
      if (blob) WriteFileAtomic(timingCachePath, blob->data(), blob->size());
    }
  }
  const auto* data = static_cast<const char*>(plan->data());
  return std::vector<char>(data, data + plan->size());
}

}  // namespace

bool IsPlanFile(const std::string& modelPath) { return EndsWith(modelPath, ".plan") || EndsWith(modelPath, ".engine"); }

std::string EngineCacheKeyText(const EngineConfig& cfg, const TrtOptions& opts, const std::string& modelSha256) {
  std::ostringstream key;
  key << "vramgate tensorrt engine cache v1\n";
  key << "model sha256 " << modelSha256 << "\n";
  key << "tensorrt " << LibraryVersionText() << " (built against " << NV_TENSORRT_MAJOR << "." << NV_TENSORRT_MINOR
      << "." << NV_TENSORRT_PATCH << ")\n";
  key << "device " << DeviceText(cfg.device) << "\n";
  key << "precision " << cfg.precision << "\n";
  for (const auto& p : cfg.profile) {
    key << "input " << p.name << " min " << DimsText(p.min) << " opt " << DimsText(p.opt) << " max " << DimsText(p.max)
        << "\n";
  }
  key << "workspaceMiB " << (opts.workspaceMiB ? std::to_string(*opts.workspaceMiB) : "default") << "\n";
  key << "builderOptimizationLevel "
      << (opts.builderOptimizationLevel ? std::to_string(*opts.builderOptimizationLevel) : "default") << "\n";
  key << "tacticSources";
  if (opts.tacticSources.empty()) key << " default";
  for (const auto& s : opts.tacticSources) key << " " << s;
  key << "\n";
  return key.str();
}

Plan LoadOrBuildPlan(const EngineConfig& cfg, const TrtOptions& opts, TrtLogger& logger) {
  Plan plan;
  if (IsPlanFile(cfg.modelPath)) {
    plan.bytes = ReadWholeFile(cfg.modelPath);
    plan.origin = "plan file";
    return plan;
  }
  if (opts.cacheDir.empty()) {
    plan.bytes = BuildFromOnnx(cfg, opts, logger, "");
    plan.origin = "built";
    return plan;
  }
  std::error_code ec;
  fs::create_directories(opts.cacheDir, ec);
  if (ec) throw std::runtime_error("cannot create tensorrt.cacheDir " + opts.cacheDir + ": " + ec.message());
  const std::string keyText = EngineCacheKeyText(cfg, opts, Sha256File(cfg.modelPath));
  Sha256 keyHash;
  keyHash.Update(keyText);
  const std::string stem = fs::path(cfg.modelPath).stem().string();
  plan.cachePath = (fs::path(opts.cacheDir) / (stem + "-" + keyHash.HexDigest().substr(0, 24) + ".engine")).string();
  if (fs::exists(plan.cachePath)) {
    plan.bytes = ReadWholeFile(plan.cachePath);
    plan.origin = "engine cache hit";
    return plan;
  }
  plan.bytes = BuildFromOnnx(cfg, opts, logger, (fs::path(opts.cacheDir) / "timing.cache").string());
  plan.origin = "built";
  WriteFileAtomic(plan.cachePath, plan.bytes.data(), plan.bytes.size());
  // The key's text beside the engine says what it was built from.
  WriteFileAtomic(plan.cachePath + ".key.txt", keyText.data(), keyText.size());
  return plan;
}

std::vector<char> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot read " + path);
  const std::streamsize size = in.tellg();
  std::vector<char> bytes(static_cast<size_t>(size > 0 ? size : 0));
  in.seekg(0);
  if (size > 0 && !in.read(bytes.data(), size)) throw std::runtime_error("error while reading " + path);
  return bytes;
}

void WriteFileAtomic(const std::string& path, const void* data, size_t sizeBytes) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + temp);
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(sizeBytes));
    if (!out) throw std::runtime_error("error while writing " + temp);
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    const std::string reason = ec.message();
    fs::remove(temp, ec);
    throw std::runtime_error("cannot move " + temp + " to " + path + ": " + reason);
  }
}

}  // namespace vramgate::trt
