#pragma once
// The one way a run trains, shared by images and vector data: continue from a training state if
// one is given, run the Trainer to its end with a status line per tick in the run's log, and stop
// cleanly on request (SIGINT/SIGTERM or a caller's predicate) with a network snapshot and a
// training state written, from which the run continues bit-identically.
#include <functional>
#include <map>
#include <string>

#include "pfgm/training/run_log.h"
#include "pfgm/training/trainer.h"

namespace pfgm::training {

struct DriverOptions {
  std::string resume;          // training-state-*.safetensors to continue from ("" = from the start)
  bool stop_on_signal = true;  // SIGINT/SIGTERM stop the run after the current step
  std::function<bool()> stop;  // also stop when this returns true (asked after every step); optional
  std::map<std::string, std::string> files;  // written (atomically) into the run directory at the start
  std::string log_header;      // the log's first lines for this run
};

struct DriverResult {
  bool interrupted = false;  // stopped before the end; last_snapshot()/last_state() were just written
  double seconds = 0;        // wall time of the training loop
};

// Trains `trainer` (whose TrainOptions.outdir is the run directory) and calls on_progress after
// every step. In order: the training state is loaded (nothing is written when that fails), the run
// directory is made with options.files in it (and cleared of temporary files that killed writes
// left), and `log`, when given, is opened on its log.txt with the header and then gets one line per tick.
DriverResult drive(Trainer& trainer, const DriverOptions& options, RunLog* log = nullptr,
                   const std::function<void(const Progress&)>& on_progress = {});

}  // namespace pfgm::training
