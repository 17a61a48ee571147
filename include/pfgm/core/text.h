#pragma once
// Small string tests shared by the layers.
#include <string>

namespace pfgm::core {

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace pfgm::core
