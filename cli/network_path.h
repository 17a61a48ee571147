#pragma once
// Where the image commands find their network: a snapshot file, or a run directory's newest one.
#include <string>

namespace pfgm::cli {

// `path` itself when it is a file, else the newest network-snapshot-*.safetensors in the directory
// `path` (by its zero-padded kimg); pfgm::Error naming --network otherwise.
std::string find_network(const std::string& path);

}  // namespace pfgm::cli
