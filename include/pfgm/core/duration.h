#pragma once
// Durations as progress lines and logs print them: "4m05s", "1h02m".
#include <string>

namespace pfgm::core {

std::string format_duration(double seconds);

}  // namespace pfgm::core
