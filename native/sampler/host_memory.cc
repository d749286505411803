#include "host_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace vramgate {

namespace {
int64_t PageBytes() {
  static const int64_t page = sysconf(_SC_PAGESIZE);
  return page;
}

int OpenStatm(int pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/statm";
  return open(path.c_str(), O_RDONLY | O_CLOEXEC);
}

// statm: "size resident shared text lib data dt" in pages; resident is the second field.
int64_t ParseResident(const char* buf) {
  char* end = nullptr;
  std::strtoll(buf, &end, 10);
  if (!end || end == buf) return -1;
  const char* second = end;
  long long resident = std::strtoll(second, &end, 10);
  if (end == second) return -1;
  return static_cast<int64_t>(resident) * PageBytes();
}
}  // namespace

RssReader::RssReader(int pid) : pid_(pid), fd_(OpenStatm(pid)) {}

RssReader::~RssReader() {
  if (fd_ >= 0) close(fd_);
}

RssReader::RssReader(RssReader&& o) noexcept : pid_(o.pid_), fd_(o.fd_) { o.fd_ = -1; }

RssReader& RssReader::operator=(RssReader&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    pid_ = o.pid_;
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

int64_t RssReader::ResidentBytes() {
  if (fd_ < 0) return -1;
  char buf[128];
  ssize_t n = pread(fd_, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;  // ESRCH once the process has exited
  buf[n] = '\0';
  return ParseResident(buf);
}

int64_t ResidentBytesOf(int pid) {
  RssReader r(pid);
  return r.ResidentBytes();
}

}  // namespace vramgate
