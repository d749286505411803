// Monotonic time shared by the sampler and the engines, so that samples and call marks
// line up on one clock (CLOCK_MONOTONIC, the same clock as Node's process.hrtime).
#pragma once

#include <cstdint>
#include <ctime>

namespace vramgate {

inline int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

}  // namespace vramgate
