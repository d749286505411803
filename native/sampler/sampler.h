// Background memory sampler: one thread, fixed interval on absolute CLOCK_MONOTONIC
// deadlines (no drift), samples into a bounded ring buffer (drop-oldest).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "host_memory.h"
#include "nvml_loader.h"

namespace vramgate {

struct SamplerConfig {
  double intervalMs = 1.0;
  unsigned device = 0;
  size_t capacity = 1 << 16;  // samples kept between drains (65 s at 1 kHz)
};

// Columnar copy of the buffered samples, oldest first.
struct SampleColumns {
  std::vector<double> tNs;              // CLOCK_MONOTONIC at the start of the sample
  std::vector<double> gpuProcessBytes;  // NVML usedGpuMemory summed over watched PIDs; NaN without NVML
  std::vector<double> deviceUsedBytes;  // NVML device-wide used; NaN without NVML
  std::vector<double> rssBytes;         // resident bytes summed over watched PIDs; NaN when none readable
};

struct SamplerStats {
  uint64_t samples = 0;          // taken since start()
  uint64_t overruns = 0;         // samples dropped because the ring was full (drop-oldest)
  uint64_t missedDeadlines = 0;  // ticks skipped because a sample took longer than the interval
  double achievedHz = 0;
  double meanPeriodUs = 0;
  double maxPeriodUs = 0;
  double meanSampleCostUs = 0;  // time spent inside one sample (NVML + /proc reads)
};

class Sampler {
 public:
  // Throws std::invalid_argument for a bad interval/capacity, std::range_error for a GPU
  // index NVML does not know (only when NVML is present).
  explicit Sampler(const SamplerConfig& cfg);
  ~Sampler();  // stops the thread
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  void SetPids(const std::vector<int>& pids);
  void Start();  // no-op when running; resets stats, keeps buffered samples
  void Stop();   // joins the thread; idempotent
  bool running() const { return running_.load(); }
  SampleColumns Drain();
  SamplerStats Stats();
  // Total device memory in bytes, NaN without NVML.
  double deviceTotalBytes() const { return deviceTotalBytes_; }
  bool nvmlReady() const { return device_ != nullptr; }

 private:
  struct Sample {
    double tNs, gpuProcessBytes, deviceUsedBytes, rssBytes;
  };
  void Run();
  Sample TakeSample(std::vector<nvml::ProcessInfo>* procs);
  void Push(const Sample& s);

  SamplerConfig cfg_;
  int64_t intervalNs_;
  nvml::Device device_ = nullptr;
  double deviceTotalBytes_;

  std::mutex pidMutex_;
  std::vector<int> pids_;
  uint64_t pidsGeneration_ = 0;
  // Owned by the sampler thread only.
  std::vector<RssReader> readers_;
  uint64_t readersGeneration_ = ~0ULL;

  std::mutex ringMutex_;
  std::vector<Sample> ring_;
  size_t head_ = 0, size_ = 0;  // head_: index of the oldest sample
  SamplerStats stats_;
  double periodSumNs_ = 0, costSumNs_ = 0;
  double firstNs_ = 0, lastNs_ = 0;

  std::atomic<bool> running_{false};
  std::atomic<bool> stopRequested_{false};
  std::mutex wakeMutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace vramgate
