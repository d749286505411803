// Checks TorchEngine under one strategy without Node: the same StrategyRunner the addon
// uses, the engine's memory figures after every call, and a one-line JSON summary.
// It validates the engine on a GPU machine independently of the N-API layer.
//
// Usage: torch_strategy_check MODEL.pt --strategy persistent [--precision fp16]
//          [--sequence fixed|random] [--batch 16] [--max-batch 32] [--calls 300]
//          [--warmup 20] [--leak-bytes 0] [--retain-every 0] [--cuda-graph]
//          [--mem-get-info] [--seed 1] [--pool 4]
// Prints one JSON line per run; "--stats-cost" also times MemoryStats() itself.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "common/clock.h"
#include "engines/factory.h"
#include "engines/strategy_loop.h"

namespace {

struct Args {
  std::string model, strategy = "persistent", precision = "fp16", sequence = "fixed";
  int64_t batch = 16, maxBatch = 32, leakBytes = 0, retainEvery = 0;
  int calls = 300, warmup = 20, seed = 1, pool = 4;
  bool cudaGraph = false, memGetInfo = false, statsCost = false;
};

[[noreturn]] void Usage(const std::string& why) {
  std::cerr << "torch_strategy_check: " << why << " (see the usage at the top of torch_strategy_check.cc)\n";
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
    if (arg == "--strategy") a.strategy = value();
    else if (arg == "--precision") a.precision = value();
    else if (arg == "--sequence") a.sequence = value();
    else if (arg == "--batch") a.batch = std::stoll(value());
    else if (arg == "--max-batch") a.maxBatch = std::stoll(value());
    else if (arg == "--calls") a.calls = std::stoi(value());
    else if (arg == "--warmup") a.warmup = std::stoi(value());
    else if (arg == "--leak-bytes") a.leakBytes = std::stoll(value());
    else if (arg == "--retain-every") a.retainEvery = std::stoll(value());
    else if (arg == "--seed") a.seed = std::stoi(value());
    else if (arg == "--pool") a.pool = std::stoi(value());
    else if (arg == "--cuda-graph") a.cudaGraph = true;
    else if (arg == "--mem-get-info") a.memGetInfo = true;
    else if (arg == "--stats-cost") a.statsCost = true;
    else if (!arg.empty() && arg[0] == '-') Usage("unknown option " + arg);
    else a.model = arg;
  }
  if (a.model.empty()) Usage("no model given");
  if (a.calls < 1 || a.warmup < 0 || a.batch < 1 || a.maxBatch < 1) Usage("calls and batch sizes must be at least 1");
  if (a.sequence != "fixed" && a.sequence != "random") Usage("--sequence must be fixed or random");
  return a;
}

vramgate::ShapeMap Shape(int64_t batch) { return {{"input", {batch, 3, 224, 224}}}; }

// Least-squares slope of y over x (bytes per call).
double Slope(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sx += x[i], sy += y[i], sxx += x[i] * x[i], sxy += x[i] * y[i];
  }
  const double d = n * sxx - sx * sx;
  return d == 0 ? 0 : (n * sxy - sx * sy) / d;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = Parse(argc, argv);
  vramgate::EngineConfig cfg;
  cfg.modelPath = a.model;
  cfg.precision = a.precision;
  cfg.profile.push_back({"input", {1, 3, 224, 224}, {a.batch, 3, 224, 224}, {a.maxBatch, 3, 224, 224}, "float32"});
  cfg.faults.leakBytesPerIteration = a.leakBytes;
  cfg.faults.retainOutputsEvery = a.retainEvery;
  if (a.cudaGraph) cfg.options["cudaGraph"] = "true";
  if (a.memGetInfo) cfg.options["memGetInfo"] = "true";
  try {
    auto engine = vramgate::CreateTorchEngine(cfg);
    engine->Load();
    const auto loaded = engine->MemoryStats();

    std::mt19937 rng(static_cast<uint32_t>(a.seed));
    std::uniform_int_distribution<int64_t> pick(1, a.maxBatch);
    auto sequence = [&](int n) {
      std::vector<vramgate::ShapeMap> shapes;
      for (int i = 0; i < n; ++i) shapes.push_back(Shape(a.sequence == "fixed" ? a.batch : pick(rng)));
      return shapes;
    };

    vramgate::StrategyOptions strategyOptions;
    strategyOptions.perShapePoolSize = a.pool;
    vramgate::StrategyRunner runner(*engine, a.strategy, strategyOptions);
    int64_t items = 0;
    std::vector<double> idx, allocated, reserved;
    double gpuMsSum = 0;
    auto record = [&](const vramgate::Mark& m) {
      idx.push_back(static_cast<double>(m.index));
      allocated.push_back(static_cast<double>(m.stats.at("torchAllocatedBytes")));
      reserved.push_back(static_cast<double>(m.stats.at("torchReservedBytes")));
      gpuMsSum += m.gpuMs;
    };
    runner.RunCalls(sequence(a.warmup), 0, [](const vramgate::Mark&) {});
    std::vector<vramgate::ShapeMap> measured = sequence(a.calls);
    for (const auto& s : measured) items += s[0].second[0];
    const int64_t t0 = vramgate::MonotonicNs();
    runner.RunCalls(measured, a.warmup, record);
    const double seconds = (vramgate::MonotonicNs() - t0) / 1e9;
    const int64_t created = runner.contextsCreated();
    runner.Finish();
    const auto finished = engine->MemoryStats();

    double statsNs = -1;
    if (a.statsCost) {
      const int n = 2000;
      const int64_t s0 = vramgate::MonotonicNs();
      for (int i = 0; i < n; ++i) (void)engine->MemoryStats();
      statsNs = static_cast<double>(vramgate::MonotonicNs() - s0) / n;
    }
    const size_t half = idx.size() / 2;
    std::vector<double> hx(idx.begin() + half, idx.end()), ha(allocated.begin() + half, allocated.end()),
        hr(reserved.begin() + half, reserved.end());
    const double mib = 1024.0 * 1024.0;
    std::printf(
        "{\"strategy\":\"%s\",\"sequence\":\"%s\",\"precision\":\"%s\",\"cudaGraph\":%s,\"calls\":%d,"
        "\"itemsPerSec\":%.2f,\"callsPerSec\":%.2f,\"meanGpuMs\":%.4f,\"contextsCreated\":%lld,"
        "\"allocatedAfterLoadMiB\":%.2f,\"reservedAfterLoadMiB\":%.2f,"
        "\"allocatedFirstMiB\":%.2f,\"allocatedLastMiB\":%.2f,\"reservedFirstMiB\":%.2f,"
        "\"reservedMinMiB\":%.2f,\"reservedMaxMiB\":%.2f,\"reservedLastMiB\":%.2f,"
        "\"allocatedSlopeSecondHalfBytesPerCall\":%.1f,\"reservedSlopeSecondHalfBytesPerCall\":%.1f,"
        "\"allocatedAfterFinishMiB\":%.2f,\"reservedAfterFinishMiB\":%.2f,\"plantedLeakMiB\":%.2f,"
        "\"memoryStatsNs\":%.1f}\n",
        a.strategy.c_str(), a.sequence.c_str(), a.precision.c_str(), a.cudaGraph ? "true" : "false", a.calls,
        items / seconds, a.calls / seconds, gpuMsSum / std::max<size_t>(1, idx.size()), static_cast<long long>(created),
        loaded.at("torchAllocatedBytes") / mib, loaded.at("torchReservedBytes") / mib, allocated.front() / mib,
        allocated.back() / mib, reserved.front() / mib, *std::min_element(reserved.begin(), reserved.end()) / mib,
        *std::max_element(reserved.begin(), reserved.end()) / mib, reserved.back() / mib, Slope(hx, ha), Slope(hx, hr),
        finished.at("torchAllocatedBytes") / mib, finished.at("torchReservedBytes") / mib,
        finished.at("plantedLeakBytes") / mib, statsNs);
  } catch (const vramgate::CallFailure& e) {
    std::cerr << "torch_strategy_check: call " << e.index << " failed (" << e.kind << "): " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "torch_strategy_check: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
