#include "pfgm/training/run_directory.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>

namespace pfgm::training {

std::string numbered_run_directory(const std::string& outdir, const std::string& description) {
  namespace fs = std::filesystem;
  int next = 0;
  std::error_code ec;
  if (fs::is_directory(outdir, ec))
    for (const auto& e : fs::directory_iterator(outdir, ec)) {
      const auto n = e.path().filename().string();
      size_t digits = 0;
      while (digits < n.size() && std::isdigit(static_cast<unsigned char>(n[digits]))) ++digits;
      if (digits > 0 && digits < 10) next = std::max(next, std::stoi(n.substr(0, digits)) + 1);
    }
  char id[16];
  std::snprintf(id, sizeof id, "%05d", next);
  return (fs::path(outdir) / (std::string(id) + "-" + description)).string();
}

}  // namespace pfgm::training
