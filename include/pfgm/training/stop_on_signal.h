#pragma once
// Stopping a run cleanly: while a StopOnSignal is alive, SIGINT and SIGTERM set a flag instead of
// killing the process, and the training loop stops after its current step.
namespace pfgm::training {

class StopOnSignal {
 public:
  StopOnSignal();
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
  static bool requested();
};

}  // namespace pfgm::training
