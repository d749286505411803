#include "sampler.h"

#include <cerrno>
#include <cmath>
#include <ctime>
#include <limits>
#include <stdexcept>
#include <string>

#include "common/clock.h"

namespace vramgate {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

timespec ToTimespec(int64_t ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1000000000LL);
  ts.tv_nsec = static_cast<long>(ns % 1000000000LL);
  return ts;
}
}  // namespace

Sampler::Sampler(const SamplerConfig& cfg) : cfg_(cfg), deviceTotalBytes_(kNaN) {
  if (!(cfg.intervalMs >= 0.05 && cfg.intervalMs <= 60000)) {
    throw std::invalid_argument("intervalMs must be between 0.05 and 60000, got " + std::to_string(cfg.intervalMs));
  }
  if (cfg.capacity < 16 || cfg.capacity > (size_t{1} << 26)) {
    throw std::invalid_argument("capacity must be between 16 and 67108864 samples, got " +
                                std::to_string(cfg.capacity));
  }
  intervalNs_ = static_cast<int64_t>(std::llround(cfg.intervalMs * 1e6));
  ring_.resize(cfg.capacity);
  Nvml& nvml = Nvml::Get();
  if (nvml.Init()) {
    std::string why;
    device_ = nvml.Handle(cfg.device, &why);
    if (!device_) throw std::range_error(why);
    uint64_t used = 0, total = 0;
    if (nvml.MemoryInfo(device_, &used, &total)) deviceTotalBytes_ = static_cast<double>(total);
  }
}

Sampler::~Sampler() { Stop(); }

void Sampler::SetPids(const std::vector<int>& pids) {
  std::lock_guard<std::mutex> lock(pidMutex_);
  pids_ = pids;
  ++pidsGeneration_;
}

void Sampler::Start() {
  if (running_.load()) return;
  {
    std::lock_guard<std::mutex> lock(ringMutex_);
    stats_ = SamplerStats{};
    periodSumNs_ = costSumNs_ = 0;
    firstNs_ = lastNs_ = 0;
  }
  stopRequested_ = false;
  running_ = true;
  thread_ = std::thread([this] { Run(); });
}

void Sampler::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    stopRequested_ = true;
  }
  wake_.notify_all();
  thread_.join();
  running_ = false;
}

Sampler::Sample Sampler::TakeSample(std::vector<nvml::ProcessInfo>* procs) {
  {
    std::lock_guard<std::mutex> lock(pidMutex_);
    if (readersGeneration_ != pidsGeneration_) {
      readers_.clear();
      for (int pid : pids_) readers_.emplace_back(pid);
      readersGeneration_ = pidsGeneration_;
    }
  }
  Sample s;
  s.tNs = static_cast<double>(MonotonicNs());
  s.gpuProcessBytes = kNaN;
  s.deviceUsedBytes = kNaN;
  if (device_) {
    Nvml& nvml = Nvml::Get();
    uint64_t used = 0, total = 0;
    if (nvml.MemoryInfo(device_, &used, &total)) s.deviceUsedBytes = static_cast<double>(used);
    if (nvml.ComputeProcesses(device_, procs)) {
      // A watched process without a CUDA context is simply absent from the list: 0 bytes.
      double sum = 0;
      bool unknown = false;
      for (const auto& p : *procs) {
        for (const auto& r : readers_) {
          if (static_cast<int>(p.pid) != r.pid()) continue;
          if (p.usedGpuMemory == nvml::kValueNotAvailable) {
            unknown = true;
          } else {
            sum += static_cast<double>(p.usedGpuMemory);
          }
        }
      }
      s.gpuProcessBytes = unknown ? kNaN : sum;
    }
  }
  double rss = 0;
  bool anyRss = false;
  for (auto& r : readers_) {
    int64_t b = r.ResidentBytes();
    if (b >= 0) {
      rss += static_cast<double>(b);
      anyRss = true;
    }
  }
  s.rssBytes = anyRss ? rss : kNaN;
  return s;
}

void Sampler::Push(const Sample& s) {
  std::lock_guard<std::mutex> lock(ringMutex_);
  const size_t cap = ring_.size();
  if (size_ == cap) {
    head_ = (head_ + 1) % cap;  // drop the oldest
    --size_;
    ++stats_.overruns;
  }
  ring_[(head_ + size_) % cap] = s;
  ++size_;
  if (stats_.samples == 0) {
    firstNs_ = s.tNs;
  } else {
    double period = s.tNs - lastNs_;
    periodSumNs_ += period;
    if (period / 1e3 > stats_.maxPeriodUs) stats_.maxPeriodUs = period / 1e3;
  }
  lastNs_ = s.tNs;
  ++stats_.samples;
}

void Sampler::Run() {
  std::vector<nvml::ProcessInfo> procs;
  procs.reserve(64);
  int64_t deadline = MonotonicNs();
  while (!stopRequested_.load(std::memory_order_relaxed)) {
    Sample s = TakeSample(&procs);
    const int64_t after = MonotonicNs();
    Push(s);
    {
      std::lock_guard<std::mutex> lock(ringMutex_);
      costSumNs_ += static_cast<double>(after) - s.tNs;
    }
    deadline += intervalNs_;
    if (after >= deadline) {
      // The sample outlasted its slot: skip the missed ticks instead of bursting to catch up.
      const int64_t missed = (after - deadline) / intervalNs_ + 1;
      deadline += missed * intervalNs_;
      std::lock_guard<std::mutex> lock(ringMutex_);
      stats_.missedDeadlines += static_cast<uint64_t>(missed);
    }
    if (intervalNs_ >= 50'000'000) {
      // Long intervals wait on a condition variable so Stop() does not wait a whole period.
      std::unique_lock<std::mutex> lock(wakeMutex_);
      wake_.wait_for(lock, std::chrono::nanoseconds(deadline - MonotonicNs()),
                     [this] { return stopRequested_.load(); });
    } else {
      timespec ts = ToTimespec(deadline);
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
      }
    }
  }
}

SampleColumns Sampler::Drain() {
  SampleColumns out;
  std::lock_guard<std::mutex> lock(ringMutex_);
  out.tNs.resize(size_);
  out.gpuProcessBytes.resize(size_);
  out.deviceUsedBytes.resize(size_);
  out.rssBytes.resize(size_);
  const size_t cap = ring_.size();
  for (size_t i = 0; i < size_; ++i) {
    const Sample& s = ring_[(head_ + i) % cap];
    out.tNs[i] = s.tNs;
    out.gpuProcessBytes[i] = s.gpuProcessBytes;
    out.deviceUsedBytes[i] = s.deviceUsedBytes;
    out.rssBytes[i] = s.rssBytes;
  }
  head_ = 0;
  size_ = 0;
  return out;
}

SamplerStats Sampler::Stats() {
  std::lock_guard<std::mutex> lock(ringMutex_);
  SamplerStats s = stats_;
  if (s.samples >= 2) {
    s.meanPeriodUs = periodSumNs_ / static_cast<double>(s.samples - 1) / 1e3;
    const double spanNs = lastNs_ - firstNs_;
    s.achievedHz = spanNs > 0 ? static_cast<double>(s.samples - 1) / (spanNs / 1e9) : 0;
  }
  if (s.samples > 0) s.meanSampleCostUs = costSumNs_ / static_cast<double>(s.samples) / 1e3;
  return s;
}

}  // namespace vramgate
