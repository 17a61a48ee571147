#pragma once
// The one training loop (EDM training_loop.py semantics, spec 5.3–5.4): Adam with a linear lr
// ramp-up, NaN/Inf gradient repair, EMA with half-life and ramp-up ratio, JSON-lines log, network
// snapshots and resumable training states written atomically.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "pfgm/networks/denoiser.h"

namespace pfgm::training {

struct TrainOptions {
  int64_t iters = 4000;           // optimizer steps (--iters)
  int64_t batch = 512;            // samples per step (--batch)
  double lr = 1e-3;               // Adam learning rate (--lr)
  int64_t lr_rampup = 200;        // steps of linear lr ramp-up (official: 10 Mimg)
  double ema_halflife = 5e4;      // EMA half-life in samples (official --ema, in Mimg)
  double ema_rampup_ratio = 0.05; // half-life ≤ ratio × samples seen so far
  int64_t log_every = 100;        // steps between log lines
  int64_t snapshot_every = 0;     // steps between snapshots/states (0: only at the end)
  uint64_t seed = 0;              // training randomness (batches, σ, perturbations)
  std::string outdir;             // where log.jsonl, snapshots and states go ("" = nowhere)
};

// One step's per-sample loss [B] for the current model; draws all its randomness from `gen`.
using LossFn = std::function<torch::Tensor(networks::Model& net, at::Generator& gen)>;

struct Progress {
  int64_t step = 0, total = 0;
  double loss = 0;        // mean per-sample loss over the last log period
  double steps_per_s = 0;
  double eta_s = 0;
};

class Trainer {
 public:
  Trainer(std::shared_ptr<networks::Model> net, const TrainOptions& options, LossFn loss);
  ~Trainer();

  // Trains until options.iters steps are done (or `stop()` returns true after a step).
  void run(const std::function<void(const Progress&)>& on_progress = {},
           const std::function<bool()>& stop = {});

  // A training state holds net, EMA, Adam moments, step counters and the RNG state.
  void save_state(const std::string& path) const;
  void load_state(const std::string& path);

  int64_t step() const { return step_; }
  networks::Model& ema() { return *ema_; }
  std::shared_ptr<networks::Model> ema_ptr() { return ema_; }
  networks::Model& net() { return *net_; }
  const std::vector<std::pair<int64_t, double>>& loss_history() const { return loss_history_; }

 private:
  struct State;
  void train_step();
  void update_ema();
  std::string snapshot_name(const char* kind) const;

  std::shared_ptr<networks::Model> net_, ema_;
  TrainOptions options_;
  LossFn loss_;
  std::unique_ptr<State> state_;
  int64_t step_ = 0;
  double loss_sum_ = 0;
  int64_t loss_count_ = 0;
  std::vector<std::pair<int64_t, double>> loss_history_;
};

}  // namespace pfgm::training
