#include "pfgm/physics/augmented_space.h"

#include <cstdio>

#include "pfgm/core/error.h"

namespace pfgm::physics {

double parse_aug_dim(const std::string& text, const std::string& flag) {
  if (text == "inf" || text == "infinity" || text == "Inf") return kInfiniteD;
  size_t used = 0;
  double D = 0;
  try {
    D = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  PFGM_CHECK(used == text.size() && used > 0 && std::isfinite(D) && D > 0, "[", flag, "] got '", text,
             "', expected a real number D > 0 or 'inf'");
  return D;
}

std::string format_aug_dim(double D) {
  if (std::isinf(D)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", D);
  for (int p = 1; p <= 17; ++p) {
    char s[32];
    std::snprintf(s, sizeof s, "%.*g", p, D);
    if (std::stod(s) == D) return s;
  }
  return buf;
}

}  // namespace pfgm::physics
