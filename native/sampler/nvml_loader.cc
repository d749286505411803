#include "nvml_loader.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace vramgate {

namespace {
std::vector<std::string> NvmlCandidates() {
  std::vector<std::string> c;
  if (const char* p = std::getenv("VRAMGATE_NVML_PATH")) c.push_back(p);
  // The bare soname goes through the loader's normal search (ld.so.cache, LD_LIBRARY_PATH).
  // The toolkit's stubs/libnvidia-ml.so is deliberately not a candidate: it only returns errors.
  c.push_back("libnvidia-ml.so.1");
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/nvidia/lib64",
                          "/usr/local/nvidia/lib", "/usr/lib/wsl/lib", "/usr/lib/aarch64-linux-gnu"}) {
    c.push_back(std::string(dir) + "/libnvidia-ml.so.1");
  }
  return c;
}

template <typename F>
void Resolve(void* h, F* fn, const char* name) {
  *fn = reinterpret_cast<F>(Symbol(h, name));
}
}  // namespace

Nvml& Nvml::Get() {
  static Nvml* instance = new Nvml();  // never destroyed: the sampler thread may outlive statics
  return *instance;
}

bool Nvml::Init() {
  std::call_once(once_, [this] {
    load_ = OpenFirst(NvmlCandidates());
    if (!load_.found) {
      error_ = "libnvidia-ml.so.1 not found (no NVIDIA driver on this machine?): " + load_.error;
      return;
    }
    void* h = load_.handle;
    Resolve(h, &init_, "nvmlInit_v2");
    Resolve(h, &count_, "nvmlDeviceGetCount_v2");
    Resolve(h, &handle_, "nvmlDeviceGetHandleByIndex_v2");
    Resolve(h, &mem_, "nvmlDeviceGetMemoryInfo");
    Resolve(h, &memV2_, "nvmlDeviceGetMemoryInfo_v2");
    Resolve(h, &procs_, "nvmlDeviceGetComputeRunningProcesses_v3");
    if (!procs_) Resolve(h, &procs_, "nvmlDeviceGetComputeRunningProcesses_v2");
    Resolve(h, &name_, "nvmlDeviceGetName");
    Resolve(h, &uuid_, "nvmlDeviceGetUUID");
    Resolve(h, &driver_, "nvmlSystemGetDriverVersion");
    Resolve(h, &clock_, "nvmlDeviceGetClockInfo");
    Resolve(h, &maxClock_, "nvmlDeviceGetMaxClockInfo");
    Resolve(h, &errorString_, "nvmlErrorString");
    if (!init_ || !count_ || !handle_ || (!mem_ && !memV2_) || !procs_) {
      error_ = "NVML at " + load_.path +
               " lacks nvmlInit_v2 / GetCount_v2 / GetHandleByIndex_v2 / "
               "GetMemoryInfo / GetComputeRunningProcesses_v2|_v3 (driver too old?)";
      return;
    }
    nvml::Return r = init_();
    if (r != nvml::kSuccess) {
      error_ = "nvmlInit_v2 failed: " + ErrorString(r);
      return;
    }
    ready_ = true;
  });
  return ready_;
}

std::string Nvml::ErrorString(nvml::Return r) {
  if (errorString_) {
    if (const char* s = errorString_(r)) return std::string(s) + " (" + std::to_string(r) + ")";
  }
  return "NVML error " + std::to_string(r);
}

int Nvml::DeviceCount() {
  unsigned n = 0;
  if (!ready_ || count_(&n) != nvml::kSuccess) return 0;
  return static_cast<int>(n);
}

std::string Nvml::DriverVersion() {
  char buf[96] = {0};
  if (!ready_ || !driver_ || driver_(buf, sizeof buf) != nvml::kSuccess) return "";
  return buf;
}

nvml::Device Nvml::Handle(unsigned index, std::string* why) {
  if (!ready_) {
    if (why) *why = error_;
    return nullptr;
  }
  nvml::Device dev = nullptr;
  nvml::Return r = handle_(index, &dev);
  if (r != nvml::kSuccess) {
    if (why)
      *why = "GPU " + std::to_string(index) + " not found (" + std::to_string(DeviceCount()) +
             " visible): " + ErrorString(r);
    return nullptr;
  }
  return dev;
}

bool Nvml::MemoryInfo(nvml::Device dev, uint64_t* usedBytes, uint64_t* totalBytes) {
  if (!ready_ || !dev) return false;
  // v2 reports "used" without the driver's reserved memory, like nvidia-smi does today.
  if (memV2_) {
    nvml::MemoryV2 m{};
    m.version = nvml::kMemoryV2Version;
    if (memV2_(dev, &m) == nvml::kSuccess) {
      *usedBytes = m.used;
      *totalBytes = m.total;
      return true;
    }
  }
  if (mem_) {
    nvml::Memory m{};
    if (mem_(dev, &m) == nvml::kSuccess) {
      *usedBytes = m.used;
      *totalBytes = m.total;
      return true;
    }
  }
  return false;
}

bool Nvml::ComputeProcesses(nvml::Device dev, std::vector<nvml::ProcessInfo>* list) {
  if (!ready_ || !dev) return false;
  // The element size of the _v3 call changed across header releases (24 bytes, or 32 with
  // usedGpuCcProtectedMemory in some 12.x headers), and a wrong stride silently mixes up
  // PIDs once two processes use the GPU. The buffer is sized for the larger layout and,
  // until the driver's stride is known, pre-filled with a sentinel: the driver writes
  // exactly n elements, so the 8 bytes after n 24-byte elements stay untouched only when
  // its elements are 24 bytes. pid (offset 0) and usedGpuMemory (offset 8) are common.
  constexpr size_t kMaxStride = 32;
  constexpr unsigned char kSentinel = 0xA5;
  thread_local std::vector<unsigned char> raw;
  unsigned capacity = raw.empty() ? 64 : static_cast<unsigned>(raw.size() / kMaxStride);
  for (int attempt = 0; attempt < 4; ++attempt) {
    raw.resize(static_cast<size_t>(capacity) * kMaxStride);
    int stride = stride_.load(std::memory_order_relaxed);
    if (stride == 0) std::fill(raw.begin(), raw.end(), kSentinel);
    unsigned n = capacity;
    nvml::Return r = procs_(dev, &n, reinterpret_cast<nvml::ProcessInfo*>(raw.data()));
    if (r == nvml::kErrorInsufficientSize) {
      capacity = n * 2 + 16;  // processes appeared between calls
      continue;
    }
    if (r != nvml::kSuccess) return false;
    if (stride == 0 && n > 0) {
      // n < capacity here only when the sentinel bytes exist; with n == capacity the
      // 32-byte reading is the only one that fits, but decide on a later call instead.
      if (n < capacity) {
        const unsigned char* tail = raw.data() + static_cast<size_t>(n) * 24;
        bool untouched = std::all_of(tail, tail + 8, [](unsigned char b) { return b == kSentinel; });
        stride = untouched ? 24 : 32;
        stride_.store(stride, std::memory_order_relaxed);
      } else {
        capacity *= 2;
        continue;
      }
    }
    list->resize(n);
    for (unsigned i = 0; i < n; ++i) {
      const unsigned char* e = raw.data() + static_cast<size_t>(i) * static_cast<size_t>(stride);
      nvml::ProcessInfo& p = (*list)[i];
      std::memcpy(&p.pid, e, sizeof p.pid);
      std::memcpy(&p.usedGpuMemory, e + 8, sizeof p.usedGpuMemory);
      p.gpuInstanceId = p.computeInstanceId = 0;
    }
    return true;
  }
  return false;
}

std::vector<GpuDescription> Nvml::Describe() {
  std::vector<GpuDescription> out;
  int n = DeviceCount();
  for (int i = 0; i < n; ++i) {
    GpuDescription g;
    g.index = static_cast<unsigned>(i);
    nvml::Device dev = Handle(g.index, nullptr);
    if (!dev) continue;
    char buf[128] = {0};
    if (name_ && name_(dev, buf, sizeof buf) == nvml::kSuccess) g.name = buf;
    char ubuf[128] = {0};
    if (uuid_ && uuid_(dev, ubuf, sizeof ubuf) == nvml::kSuccess) g.uuid = ubuf;
    uint64_t used = 0, total = 0;
    if (MemoryInfo(dev, &used, &total)) g.totalBytes = total;
    auto read = [dev](nvml::Return (*fn)(nvml::Device, int, unsigned*), int type, unsigned* mhz) {
      unsigned v = 0;
      if (fn && fn(dev, type, &v) == nvml::kSuccess) *mhz = v;
    };
    read(clock_, nvml::kClockSm, &g.smClockMHz);
    read(maxClock_, nvml::kClockSm, &g.smMaxClockMHz);
    read(clock_, nvml::kClockMem, &g.memClockMHz);
    read(maxClock_, nvml::kClockMem, &g.memMaxClockMHz);
    std::vector<nvml::ProcessInfo> procs;
    if (ComputeProcesses(dev, &procs)) {
      g.computePidsKnown = true;
      for (const auto& p : procs) g.computePids.push_back(p.pid);
    }
    out.push_back(g);
  }
  return out;
}

}  // namespace vramgate
