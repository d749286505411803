// NVML, loaded with dlopen on first use (no link-time dependency, no nvml.h needed).
// The few structs used are declared here with NVML's documented layouts.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/dynlib.h"

namespace vramgate {

namespace nvml {
using Return = int;    // nvmlReturn_t
using Device = void*;  // nvmlDevice_t
constexpr Return kSuccess = 0;
constexpr Return kErrorInsufficientSize = 7;
// usedGpuMemory when the driver cannot tell (e.g. Windows WDDM).
constexpr unsigned long long kValueNotAvailable = ~0ULL;

struct Memory {  // nvmlMemory_t
  unsigned long long total, free, used;
};
struct MemoryV2 {  // nvmlMemory_v2_t
  unsigned int version;
  unsigned long long total, reserved, free, used;
};
constexpr unsigned int kMemoryV2Version = static_cast<unsigned int>(sizeof(MemoryV2)) | (2u << 24);
// The fields the sampler reads from nvmlProcessInfo_t (the buffer itself is parsed with the
// stride the driver uses: 24 bytes, or 32 where the header had usedGpuCcProtectedMemory).
struct ProcessInfo {
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};
}  // namespace nvml

// Clock domains of nvmlDeviceGetClockInfo / nvmlDeviceGetMaxClockInfo (nvmlClockType_t).
namespace nvml {
constexpr int kClockSm = 1;   // NVML_CLOCK_SM
constexpr int kClockMem = 2;  // NVML_CLOCK_MEM
}  // namespace nvml

struct GpuDescription {
  unsigned index = 0;
  std::string name, uuid;
  uint64_t totalBytes = 0;
  // MHz now and at most; 0 where NVML cannot tell (not supported, older driver).
  unsigned smClockMHz = 0, smMaxClockMHz = 0, memClockMHz = 0, memMaxClockMHz = 0;
  // PIDs NVML lists as compute processes on the device, as NVML sees them (the host's
  // PID namespace: in a container they need not match ours); false when the list failed.
  std::vector<unsigned> computePids;
  bool computePidsKnown = false;
};

// Process-wide NVML binding. Init() is idempotent and thread-safe; functions are null
// until Init() succeeded.
class Nvml {
 public:
  static Nvml& Get();

  // Loads the library and calls nvmlInit_v2 once. False (and error() says why) on failure.
  bool Init();
  const LibraryLoad& load() const { return load_; }
  bool ready() const { return ready_; }
  const std::string& error() const { return error_; }

  int DeviceCount();
  std::string DriverVersion();
  std::vector<GpuDescription> Describe();
  // nullptr and a message in *why when the index is not a device.
  nvml::Device Handle(unsigned index, std::string* why);
  // Device-wide used and total bytes; false on failure.
  bool MemoryInfo(nvml::Device dev, uint64_t* usedBytes, uint64_t* totalBytes);
  // Compute processes on the device; *list is reused between calls to avoid allocation.
  // Only pid and usedGpuMemory are filled in.
  bool ComputeProcesses(nvml::Device dev, std::vector<nvml::ProcessInfo>* list);
  std::string ErrorString(nvml::Return r);

 private:
  Nvml() = default;
  std::once_flag once_;
  LibraryLoad load_;
  bool ready_ = false;
  std::string error_;
  std::atomic<int> stride_{0};  // bytes per process element of the driver; 0 until known

  nvml::Return (*init_)() = nullptr;
  nvml::Return (*count_)(unsigned*) = nullptr;
  nvml::Return (*handle_)(unsigned, nvml::Device*) = nullptr;
  nvml::Return (*mem_)(nvml::Device, nvml::Memory*) = nullptr;
  nvml::Return (*memV2_)(nvml::Device, nvml::MemoryV2*) = nullptr;
  nvml::Return (*procs_)(nvml::Device, unsigned*, nvml::ProcessInfo*) = nullptr;
  nvml::Return (*name_)(nvml::Device, char*, unsigned) = nullptr;
  nvml::Return (*uuid_)(nvml::Device, char*, unsigned) = nullptr;
  nvml::Return (*driver_)(char*, unsigned) = nullptr;
  nvml::Return (*clock_)(nvml::Device, int, unsigned*) = nullptr;
  nvml::Return (*maxClock_)(nvml::Device, int, unsigned*) = nullptr;
  const char* (*errorString_)(nvml::Return) = nullptr;
};

}  // namespace vramgate
