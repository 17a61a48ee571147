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

// Progress of a counted job ("detector  1200/50000 images  310 img/s  ETA 2m35s"): a "\r"-updated
// line on a terminal, nothing otherwise; call end_progress() after the last one.
class CountProgress {
 public:
  CountProgress(std::string what, std::string unit);
  void operator()(int64_t done, int64_t total);

 private:
  std::string what_, unit_;
  double start_;
};

}  // namespace pfgm::cli
