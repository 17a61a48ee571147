#pragma once
// What every long-running command shares: the terminal progress line (step, loss, rate, ETA) and
// the one-line error of a run stopped by a signal.
#include <string>

#include "pfgm/core/duration.h"
#include "pfgm/training/training_driver.h"

namespace pfgm::cli {

using core::format_duration;

// One progress line on stderr ("\r"-updated on a terminal, one line per tick otherwise).
void print_progress(const training::Progress& p, const std::string& extra = "");
void end_progress();

// pfgm::Error naming the training state to continue from, when the run was interrupted.
void check_not_interrupted(const training::DriverResult& result, const training::Trainer& trainer);

// Progress of a counted job ("detector  1200/50000 images  310 img/s  ETA 2m35s"): a "\r"-updated
// line on a terminal, else a line every 30 s; call end_progress() after the last one.
class CountProgress {
 public:
  CountProgress(std::string what, std::string unit);
  void operator()(int64_t done, int64_t total);

 private:
  std::string what_, unit_;
  double start_, last_line_;
};

}  // namespace pfgm::cli
