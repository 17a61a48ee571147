#pragma once
// The training recipe for vector data (2-D distributions or CSV points, any N): a residual MLP, the
// PFGM++ loss at any D (D = ∞: EDM) or the original PFGM loss with its large-batch field target,
// and defaults chosen for data of unit scale (README, `pfgm toy train`).
#include <string>

#include <c10/core/Device.h>
#include <torch/types.h>

#include "pfgm/networks/model_config.h"
#include "pfgm/training/trainer.h"

namespace pfgm::training {

struct VectorRecipe {
  std::string objective = "pfgmpp";  // pfgmpp (any D, incl. inf) | pfgm (original, D = 1)
  double D = 128;                    // augmented dimensions (physics::kInfiniteD: EDM)
  bool official_clip = false;        // the official Beta clip in training
  double kappa = 0;                  // input weight of PFGMPPLoss (0: off)
  double radius_quantile = 0.9;      // q: kernel and prior truncated at R ≤ k_q·r (finite D and PFGM); 1 = exact
  double upper_norm = 0;             // PFGM prior clip: < 0 the App. B.2 value, 0 the exact law
  double z_exp = 1;                  // PFGM: v_z substitution below z_exp when sampling (unit-scale data)
  int64_t iters = 4000, batch = 512, lr_rampup = 200, large_batch = 2048;  // lr_rampup in steps
  double lr = 2e-3, ema = 5e4;       // ema: half-life in samples
  uint64_t seed = 0;
  int64_t dump = 0, keep = 0;        // a training state every `dump` ticks (0: at the end only); keep the newest `keep` (0: all)
  int64_t hidden = 256, blocks = 4;  // MLP width and residual blocks
  double sigma_data = 1.0, sigma_min = 0.002, sigma_max = 20, P_mean = -0.8, P_std = 1.6;
};

// The model for points [n, N]; PFGM takes M, z_max and the prior clip from the data (App. B.2).
networks::ModelConfig vector_model_config(const VectorRecipe& recipe, const torch::Tensor& points);

// Trainer options for n points, writing to outdir: one tick per iters/20 steps (at most 100), a
// snapshot and a state at the end (and a state every recipe.dump ticks).
TrainOptions vector_train_options(const VectorRecipe& recipe, int64_t n, const std::string& outdir);

// The loss over `points` (copied to `device`): PFGM++ on batches of items, or PFGM with the field of
// a large batch of min(large_batch, n) charges whose first min(batch, ·) are perturbed.
LossFn vector_loss(const networks::ModelConfig& config, const VectorRecipe& recipe, const torch::Tensor& points,
                   c10::Device device);

}  // namespace pfgm::training
