// The baseline for vramgate's overhead ratio: the plainest libtorch inference loop over a
// TorchScript module (load, cast, one fixed input, forward + synchronize per call).
// vramgate's persistent strategy on the same model, precision and fixed shape should reach
// at least 0.99x this loop's items/s.
//
// Usage: bare_torch_loop MODEL.pt [--precision fp16] [--batch 16] [--warmup 50]
//                        [--iterations 500] [--device 0] [--serve]
// Prints one JSON line: {"itemsPerSec":…, "callsPerSec":…, "msPerCall":…, …}.
// --serve keeps the loop warm for interleaved rounds (npm run bench:overhead's GPU part):
// after the warm-up it prints "ready", then reads one number N per stdin line, runs N
// calls and prints that JSON line for them, until end of input.
// Build: native/bench/CMakeLists.txt (or the addon build with -DVRAMGATE_BUILD_BENCH=ON).

#include <c10/core/InferenceMode.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/script.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

struct Args {
  std::string model;
  std::string precision = "fp16";
  int64_t batch = 16;
  int warmup = 50;
  int iterations = 500;
  int device = 0;
  bool serve = false;
};

[[noreturn]] void Usage(const std::string& why) {
  std::cerr << "bare_torch_loop: " << why << "\n"
            << "usage: bare_torch_loop MODEL.pt [--precision fp32|fp16|bf16] [--batch N] "
               "[--warmup N] [--iterations N] [--device N]\n";
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--precision") a.precision = value();
    else if (arg == "--batch") a.batch = std::stoll(value());
    else if (arg == "--warmup") a.warmup = std::stoi(value());
    else if (arg == "--iterations") a.iterations = std::stoi(value());
    else if (arg == "--device") a.device = std::stoi(value());
    else if (arg == "--serve") a.serve = true;
    else if (!arg.empty() && arg[0] == '-') Usage("unknown option " + arg);
    else a.model = arg;
  }
  if (a.model.empty()) Usage("no model given");
  if (a.batch < 1 || a.iterations < 1 || a.warmup < 0) Usage("batch and iterations must be at least 1");
  return a;
}

c10::ScalarType TypeOf(const std::string& precision) {
  if (precision == "fp32") return torch::kFloat;
  if (precision == "fp16") return torch::kHalf;
  if (precision == "bf16") return torch::kBFloat16;
  Usage("precision must be fp32, fp16 or bf16, got " + precision);
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = Parse(argc, argv);
  const c10::ScalarType type = TypeOf(a.precision);
  const torch::Device device(torch::kCUDA, static_cast<c10::DeviceIndex>(a.device));
  try {
    torch::jit::Module module = torch::jit::load(a.model, device);
    module.eval();
    if (type != torch::kFloat) module.to(type);

    c10::InferenceMode inference;
    c10::cuda::CUDAGuard guard(device);
    torch::Tensor input = torch::rand({a.batch, 3, 224, 224}, torch::TensorOptions().dtype(type).device(device));
    std::vector<c10::IValue> inputs{input};
    c10::cuda::CUDAStream stream = c10::cuda::getCurrentCUDAStream(device.index());

    for (int i = 0; i < a.warmup; ++i) {
      auto out = module.forward(inputs);
      stream.synchronize();
    }
    auto run = [&](int iterations) {
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < iterations; ++i) {
        auto out = module.forward(inputs);
        stream.synchronize();  // the same per-call synchronisation vramgate's engine does
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double calls = iterations / seconds;
      std::printf(
          "{\"itemsPerSec\":%.3f,\"callsPerSec\":%.3f,\"msPerCall\":%.4f,\"batch\":%lld,"
          "\"iterations\":%d,\"warmup\":%d,\"precision\":\"%s\",\"libtorch\":\"%s\"}\n",
          calls * static_cast<double>(a.batch), calls, 1000.0 / calls, static_cast<long long>(a.batch), iterations,
          a.warmup, a.precision.c_str(), TORCH_VERSION);
      std::fflush(stdout);
    };
    if (!a.serve) {
      run(a.iterations);
      return 0;
    }
    std::printf("ready\n");
    std::fflush(stdout);
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.empty()) continue;
      run(std::max(1, std::stoi(line)));
    }
  } catch (const c10::Error& e) {
    std::cerr << "bare_torch_loop: " << e.what_without_backtrace() << "\n";
    return 1;
  }
  return 0;
}
