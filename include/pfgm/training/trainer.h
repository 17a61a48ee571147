#pragma once
// The one training loop (EDM training_loop.py semantics, spec 5.2–5.7): total batch split into
// rounds of batch_gpu with gradient accumulation, Adam with a linear lr ramp-up, NaN/Inf gradient
// repair, EMA with half-life and ramp-up ratio, progress in images (kimg) and ticks, stats.jsonl,
// network snapshots and training states written atomically. A training state holds everything a
// run needs to continue bit-identically: net, EMA, Adam moments, counters, RNG and data sampler.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "pfgm/data/infinite_sampler.h"
#include "pfgm/distributed/gradient_sync.h"
#include "pfgm/networks/model.h"

namespace pfgm::training {

struct TrainOptions {
  int64_t total_nimg = 2'048'000;  // training length in images (official --duration, in Mimg)
  int64_t batch = 512;             // images per optimizer step (--batch)
  int64_t batch_gpu = 0;           // images per forward/backward round, 0 = batch (--batch-gpu)
  double lr = 1e-3;                // Adam learning rate (--lr)
  int64_t lr_rampup_nimg = 0;      // images of linear lr ramp-up (official 10 Mimg)
  double lr_decay = 0;             // share of the run at its end over which lr falls linearly to 0 (0: constant, as EDM)
  double ema_halflife_nimg = 5e5;  // EMA half-life in images (official --ema, in Mimg)
  double ema_rampup_ratio = 0.05;  // half-life ≤ ratio × images seen so far (0: off)
  double ema_rate = 0;             // > 0: score_sde's EMA instead (PFGM), decay min(rate, (1+n)/(10+n)) at update n
  double grad_clip = 0;            // clip the gradients' global norm to this (score_sde's optimize_fn; PFGM: 1); 0 = off
  double loss_scaling = 1;         // --ls: the loss is multiplied before backward, gradients divided after
  int64_t tick_nimg = 50'000;      // images per tick (--tick, in kimg): status line and stats.jsonl
  int64_t snap_ticks = 50;         // network snapshot every this many ticks, and at the end (0: end only)
  int64_t dump_ticks = 50;         // training state every this many ticks, and at the end (0: end only)
  int64_t keep_states = 0;         // keep only the newest this many training states (--keep; 0: all)
  int64_t dataset_size = 0;        // items the data sampler walks over (with x-flip: 2 × images)
  uint64_t seed = 0;               // training randomness: data order, σ, perturbations, dropout
  std::string outdir;              // stats.jsonl, snapshots and states go here ("" = nowhere)
  // Data-parallel ranks (not owned; nullptr: one process). `batch` stays the global batch and
  // batch_gpu is per rank, as train.py; every rank trains its share of each step's items, the
  // gradients are averaged over ranks on a step's last round, and only a rank with an outdir writes.
  distributed::ProcessGroup* group = nullptr;
};

// The learning rate of the step that starts after `nimg` images: lr × linear ramp-up (counted with
// the step's own images, so the first step already moves) × the optional linear decay to 0.
double learning_rate(const TrainOptions& options, int64_t nimg);

// The draws a loss may take for one round. Its items are a slice of the step's items, drawn for
// the whole (global) batch at the step's start, and item j owns a generator seeded from (seed,
// first_item + j), its run-wide ordinal: a loss that draws with item_generators() trains on the
// same numbers however the batch is split into ranks and rounds (a departure from the official
// per-rank seeding). `gen` serves losses that draw beyond their items (the original PFGM's large
// batch, STF's references, vector data), which then train on one process only.
struct Batch {
  data::InfiniteSampler& sampler;
  at::Generator& gen;
  torch::Tensor items;      // the round's data indices (int64, CPU)
  int64_t first_item = 0;   // the run-wide ordinal of the round's first item
  uint64_t seed = 0;
  // `count` indices: the round's items, then (beyond them) fresh draws from the sampler.
  torch::Tensor indices(int64_t count);
  std::vector<at::Generator> item_generators(int64_t count) const;
};

// One round's loss for `batch` items: unreduced, dim 0 = item (e.g. [B, C, H, W] as EDMLoss).
using LossFn = std::function<torch::Tensor(networks::Model& net, Batch& batch, int64_t count)>;

struct Progress {
  int64_t step = 0, total_steps = 0;
  int64_t nimg = 0, total_nimg = 0;
  int64_t tick = 0;
  double loss = 0;         // mean loss per element in the current tick
  double steps_per_s = 0;  // since this run started
  double eta_s = 0;
  bool tick_end = false;   // this step ended a tick
  double tick_s = 0;       // duration of the tick that just ended
  int64_t tick_nimg = 0;   // images trained in that tick
  double maintenance_s = 0;
  double cpu_mem_gb = 0;   // resident memory at the tick's end
};

class Trainer {
 public:
  Trainer(std::shared_ptr<networks::Model> net, const TrainOptions& options, LossFn loss);
  ~Trainer();

  // Trains until total_nimg images are done, or `stop()` returns true after a step; calls
  // `on_progress` after every step.
  void run(const std::function<void(const Progress&)>& on_progress = {}, const std::function<bool()>& stop = {});

  void save_state(const std::string& path) const;
  void load_state(const std::string& path);

  const TrainOptions& options() const { return options_; }
  int64_t step() const { return step_; }
  int64_t nimg() const { return nimg_; }
  int64_t total_steps() const;
  networks::Model& ema() { return *ema_; }
  networks::Model& net() { return *net_; }
  const std::string& last_snapshot() const { return last_snapshot_; }
  const std::string& last_state() const { return last_state_; }
  const std::vector<std::pair<int64_t, double>>& loss_history() const { return loss_history_; }  // (step, loss)

  // Writes a network snapshot and a training state now (e.g. when interrupted).
  void checkpoint();

 private:
  struct State;
  void train_step();
  void update_ema();
  void save_snapshot();        // network-snapshot-<kimg>: the EMA weights and config
  void save_training_state();  // training-state-<kimg>: everything a resume needs
  void end_tick(int64_t tick, int64_t tick_images, double total_s, double tick_s, double maintenance_s);
  std::string file_name(const char* kind) const;

  std::shared_ptr<networks::Model> net_, ema_;
  std::unique_ptr<distributed::GradientSync> sync_;  // with several ranks
  TrainOptions options_;
  LossFn loss_;
  std::unique_ptr<State> state_;
  int64_t step_ = 0, nimg_ = 0, tick_ = 0, tick_start_nimg_ = 0;
  double loss_n_ = 0, loss_sum_ = 0, loss_sum2_ = 0;  // moments of the tick's loss elements (float64)
  std::string last_snapshot_, last_state_;
  std::vector<std::pair<int64_t, double>> loss_history_;
};

}  // namespace pfgm::training
