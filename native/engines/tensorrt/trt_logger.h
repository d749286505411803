// TensorRT's ILogger routed to stderr (the child's stderr reaches the harness log), with a
// severity threshold, remembering the last error so failures can say what TensorRT said.
#pragma once

#include <mutex>
#include <string>

#include <NvInferRuntime.h>

namespace vramgate::trt {

class TrtLogger : public nvinfer1::ILogger {
 public:
  using Severity = nvinfer1::ILogger::Severity;

  // level: "error" | "warning" | "info" | "verbose"; throws std::runtime_error otherwise.
  static Severity ParseLevel(const std::string& level);

  explicit TrtLogger(Severity threshold = Severity::kWARNING) : threshold_(threshold) {}
  void log(Severity severity, const char* msg) noexcept override;

  // Last kERROR / kINTERNAL_ERROR message, or "" when none since the last Clear.
  std::string LastError() const;
  // True when the last error reads as an out-of-memory report.
  bool LastErrorIsOutOfMemory() const;
  void ClearLastError();

 private:
  Severity threshold_;
  mutable std::mutex mutex_;  // TensorRT may log from its own threads
  std::string lastError_;
};

}  // namespace vramgate::trt
