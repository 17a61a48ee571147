#pragma once
// The data's scale, from which the papers set their hyper-parameters: the mean squared norm for
// PFGM's M and z_max (App. B.2), the largest pairwise distance for σ_max (Song & Ermon 2020,
// Technique 1, which EDM's σ_max = 80 follows on CIFAR-10) and the pixel standard deviation σ_data.
#include <cstdint>

#include <torch/types.h>

namespace pfgm::physics {

struct DataScale {
  int64_t N = 0;                 // dimensions per sample
  int64_t count = 0;             // samples
  double mean_sq_norm = 0;       // mean ‖x‖²
  double mean_norm = 0, std_norm = 0, max_norm = 0;
  double sigma_data = 0;         // standard deviation of all coordinates
  double max_pairwise = 0;       // largest ‖x_i − x_j‖ among `pair_samples` samples
  int64_t pair_samples = 0;
};

// x [n, ...] in the model's range; the pairwise maximum over a seeded subset of at most
// `pair_samples` rows (all of them when there are fewer).
DataScale data_scale(const torch::Tensor& x, int64_t pair_samples = 5000, uint64_t seed = 0);

}  // namespace pfgm::physics
