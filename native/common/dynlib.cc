#include "dynlib.h"

#include <dirent.h>
#include <dlfcn.h>
#include <link.h>

#include <algorithm>

namespace vramgate {

LibraryLoad OpenFirst(const std::vector<std::string>& candidates) {
  LibraryLoad out;
  for (const auto& name : candidates) {
    if (name.empty()) continue;
    if (std::find(out.looked.begin(), out.looked.end(), name) != out.looked.end()) continue;
    out.looked.push_back(name);
    void* h = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      // Keep the first failure: it is the loader's answer for the plain soname, the most
      // telling one; later candidates are fallbacks.
      const char* err = dlerror();
      if (out.error.empty()) out.error = err ? err : "dlopen failed";
      continue;
    }
    out.handle = h;
    out.found = true;
    out.error.clear();
    link_map* map = nullptr;
    if (dlinfo(h, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && map->l_name[0]) {
      out.path = map->l_name;
    } else {
      out.path = name;
    }
    break;
  }
  return out;
}

void* Symbol(void* handle, const char* name) {
  if (!handle) return nullptr;
  return dlsym(handle, name);
}

std::vector<std::string> ListWithPrefix(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.compare(0, prefix.size(), prefix) == 0) out.push_back(dir + "/" + n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace vramgate
