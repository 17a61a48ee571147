#include "network_path.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "pfgm/core/error.h"
#include "pfgm/io/input_file.h"

namespace pfgm::cli {

namespace fs = std::filesystem;

std::string find_network(const std::string& path) {
  PFGM_CHECK(!path.empty(), "[--network] required: a network-snapshot-*.safetensors file or a run directory");
  if (!fs::is_directory(path)) {
    io::check_input_file(path, "--network");
    return path;
  }
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(path)) {
    const auto name = e.path().filename().string();
    if (name.rfind("network-snapshot-", 0) == 0 && e.path().extension() == ".safetensors") found.push_back(e.path());
  }
  PFGM_CHECK(!found.empty(), "[--network] ", path, ": no network-snapshot-*.safetensors in this directory");
  return *std::max_element(found.begin(), found.end());  // zero-padded step numbers sort by step
}

}  // namespace pfgm::cli
