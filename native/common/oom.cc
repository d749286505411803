#include "oom.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>

namespace vramgate {

namespace {

// Lower-case; see src/engines/oom.ts for where each marker comes from.
constexpr std::string_view kMarkers[] = {
    "out of memory",          "outofmemory",       "out_of_memory",      "cudaerrormemoryallocation",
    "alloc_failed",           "allocation_failed", "failed to allocate", "smaller than requested bytes",
    "could not be allocated", "bad_alloc",
};

}  // namespace

bool IsOutOfMemoryMessage(std::string_view message) {
  std::string text(message);
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::any_of(std::begin(kMarkers), std::end(kMarkers),
                     [&](std::string_view marker) { return text.find(marker) != std::string::npos; });
}

}  // namespace vramgate
