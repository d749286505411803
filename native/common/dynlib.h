// dlopen helper: tries candidate library names/paths in order and records what it looked
// at, so "not found" messages can list every place tried.
#pragma once

#include <string>
#include <vector>

namespace vramgate {

struct LibraryLoad {
  void* handle = nullptr;  // never dlclose'd: the library stays for the process's life
  bool found = false;
  std::string path;                 // resolved path of the loaded file (when found)
  std::vector<std::string> looked;  // every candidate tried, in order
  std::string error;                // first dlerror() (when not found)
};

// Tries each candidate with dlopen(RTLD_NOW | RTLD_LOCAL); the first that loads wins.
LibraryLoad OpenFirst(const std::vector<std::string>& candidates);

// Resolves a symbol; nullptr when absent.
void* Symbol(void* handle, const char* name);

// Files in dir whose names start with prefix, sorted by name; used to find versioned
// libraries such as libcudart.so.13.0.48.
std::vector<std::string> ListWithPrefix(const std::string& dir, const std::string& prefix);

}  // namespace vramgate
