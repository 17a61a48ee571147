#pragma once
// What every long-running command shares: stopping cleanly on SIGINT/SIGTERM after the current
// step, and the terminal progress line (step, loss, rate, ETA).
#include <string>

#include "pfgm/training/trainer.h"

namespace pfgm::cli {

// While alive, SIGINT and SIGTERM set a flag instead of killing the process.
class StopOnSignal {
 public:
  StopOnSignal();
  ~StopOnSignal();
  static bool requested();
};

std::string format_duration(double seconds);  // "4m05s", "1h02m"

// One progress line on stderr ("\r"-updated on a terminal, one line per call otherwise).
void print_progress(const training::Progress& p, const std::string& extra = "");
void end_progress();

}  // namespace pfgm::cli
