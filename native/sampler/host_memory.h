// Resident set size of other processes, from /proc/<pid>/statm.
#pragma once

#include <cstdint>

namespace vramgate {

// Keeps /proc/<pid>/statm open and re-reads it with pread (cheaper than open/read/close at
// 1 kHz). Movable, not copyable.
class RssReader {
 public:
  explicit RssReader(int pid);
  ~RssReader();
  RssReader(RssReader&& o) noexcept;
  RssReader& operator=(RssReader&& o) noexcept;
  RssReader(const RssReader&) = delete;
  RssReader& operator=(const RssReader&) = delete;

  int pid() const { return pid_; }
  // Resident bytes, or -1 when the process is gone or unreadable.
  int64_t ResidentBytes();

 private:
  int pid_;
  int fd_ = -1;
};

// One-shot read; -1 when unreadable.
int64_t ResidentBytesOf(int pid);

}  // namespace vramgate
