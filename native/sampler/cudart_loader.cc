#include "cudart_loader.h"

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace vramgate {

namespace {
std::vector<std::string> CudartCandidates() {
  std::vector<std::string> c;
  if (const char* p = std::getenv("VRAMGATE_CUDART_PATH")) c.push_back(p);
  for (const char* n : {"libcudart.so", "libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0"}) c.push_back(n);
  std::vector<std::string> dirs;
  for (const char* var : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"}) {
    if (const char* v = std::getenv(var)) {
      dirs.push_back(std::string(v) + "/lib64");
      dirs.push_back(std::string(v) + "/lib");
    }
  }
  for (const char* d : {"/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
                        "/usr/local/cuda/targets/sbsa-linux/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib64"}) {
    dirs.push_back(d);
  }
  for (const auto& d : dirs) {
    auto found = ListWithPrefix(d, "libcudart.so");
    if (found.empty()) {
      c.push_back(d + "/libcudart.so");  // listed so the report shows the folder was tried
    } else {
      c.insert(c.end(), found.begin(), found.end());
    }
  }
  return c;
}

template <typename F>
void Resolve(void* h, F* fn, const char* name) {
  *fn = reinterpret_cast<F>(Symbol(h, name));
}
}  // namespace

CudaRuntime& CudaRuntime::Get() {
  static CudaRuntime* instance = new CudaRuntime();  // never destroyed (see Nvml::Get)
  return *instance;
}

bool CudaRuntime::Init() {
  std::call_once(once_, [this] {
    load_ = OpenFirst(CudartCandidates());
    if (!load_.found) {
      error_ = "CUDA runtime (libcudart.so) not found; set CUDA_HOME or VRAMGATE_CUDART_PATH: " + load_.error;
      return;
    }
    void* h = load_.handle;
    Resolve(h, &runtimeVersion_, "cudaRuntimeGetVersion");
    Resolve(h, &driverVersion_, "cudaDriverGetVersion");
    Resolve(h, &malloc_, "cudaMalloc");
    Resolve(h, &free_, "cudaFree");
    Resolve(h, &memGetInfo_, "cudaMemGetInfo");
    Resolve(h, &setDevice_, "cudaSetDevice");
    Resolve(h, &errorString_, "cudaGetErrorString");
    if (!runtimeVersion_ || !driverVersion_ || !malloc_ || !free_ || !memGetInfo_ || !setDevice_) {
      error_ = "CUDA runtime at " + load_.path + " lacks cudaMalloc/cudaFree/cudaMemGetInfo/cudaSetDevice";
      return;
    }
    ready_ = true;
  });
  return ready_;
}

std::string CudaRuntime::Describe(int code) {
  std::string s = errorString_ ? errorString_(code) : "CUDA error";
  return s + " (cudaError " + std::to_string(code) + ")";
}

int CudaRuntime::RuntimeVersion() {
  int v = 0;
  if (!ready_ || runtimeVersion_(&v) != 0) return 0;
  return v;
}

int CudaRuntime::DriverVersion() {
  int v = 0;
  if (!ready_ || driverVersion_(&v) != 0) return 0;
  return v;
}

void CudaRuntime::SetDevice(int device) {
  if (!Init()) throw std::runtime_error(error_);
  int rc = setDevice_(device);
  if (rc != 0) throw std::runtime_error("cudaSetDevice(" + std::to_string(device) + ") failed: " + Describe(rc));
}

void* CudaRuntime::Malloc(uint64_t bytes, int device) {
  SetDevice(device);
  void* p = nullptr;
  int rc = malloc_(&p, static_cast<size_t>(bytes));
  if (rc != 0) throw std::runtime_error("cudaMalloc(" + std::to_string(bytes) + " bytes) failed: " + Describe(rc));
  return p;
}

void CudaRuntime::Free(void* ptr) {
  if (!Init()) throw std::runtime_error(error_);
  int rc = free_(ptr);
  if (rc != 0) throw std::runtime_error("cudaFree failed: " + Describe(rc));
}

void CudaRuntime::MemGetInfo(int device, uint64_t* freeBytes, uint64_t* totalBytes) {
  SetDevice(device);
  size_t f = 0, t = 0;
  int rc = memGetInfo_(&f, &t);
  if (rc != 0) throw std::runtime_error("cudaMemGetInfo failed: " + Describe(rc));
  *freeBytes = f;
  *totalBytes = t;
}

}  // namespace vramgate
