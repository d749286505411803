#include "trt_logger.h"

#include <cstdio>
#include <stdexcept>

#include "../../common/oom.h"

namespace vramgate::trt {

TrtLogger::Severity TrtLogger::ParseLevel(const std::string& level) {
  if (level == "error") return Severity::kERROR;
  if (level == "warning") return Severity::kWARNING;
  if (level == "info") return Severity::kINFO;
  if (level == "verbose") return Severity::kVERBOSE;
  throw std::runtime_error("tensorrt.logLevel must be error, warning, info or verbose, got \"" + level + "\"");
}

void TrtLogger::log(Severity severity, const char* msg) noexcept {
  const char* tag = "info";
  switch (severity) {
    case Severity::kINTERNAL_ERROR: tag = "internal error"; break;
    case Severity::kERROR: tag = "error"; break;
    case Severity::kWARNING: tag = "warning"; break;
    case Severity::kINFO: tag = "info"; break;
    case Severity::kVERBOSE: tag = "verbose"; break;
  }
  const bool isError = severity == Severity::kERROR || severity == Severity::kINTERNAL_ERROR;
  if (isError) {
    try {
      std::lock_guard<std::mutex> lock(mutex_);
      lastError_ = msg ? msg : "";
    } catch (...) {
      // log() is noexcept: losing the remembered text is better than terminating.
    }
  }
  // Lower enum values are more severe; print what is at least as severe as the threshold.
  if (static_cast<int>(severity) <= static_cast<int>(threshold_)) {
    std::fprintf(stderr, "[tensorrt %s] %s\n", tag, msg ? msg : "");
  }
}

std::string TrtLogger::LastError() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lastError_;
}

bool TrtLogger::LastErrorIsOutOfMemory() const {
  // TensorRT 10/11 report allocation failures as "Error Code 2: OutOfMemory (…)", CUDA's own
  // text is "out of memory": both are among the shared rule's markers (common/oom.h).
  return IsOutOfMemoryMessage(LastError());
}

void TrtLogger::ClearLastError() {
  std::lock_guard<std::mutex> lock(mutex_);
  lastError_.clear();
}

}  // namespace vramgate::trt
