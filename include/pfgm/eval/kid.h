#pragma once
// Kernel Inception Distance (Bińkowski et al. 2018, Eq. (4)): the unbiased MMD² between two feature
// sets under the cubic polynomial kernel k(x, y) = (xᵀy/F + 1)³, averaged over random subsets of
// m = min(n_real, n_gen, max_subset_size) rows of each (StyleGAN's kernel_inception_distance).
#include <cstdint>

#include <torch/types.h>

namespace pfgm::eval {

struct KIDOptions {
  int64_t num_subsets = 100;       // random subset pairs averaged
  int64_t max_subset_size = 1000;  // rows per subset at most
  uint64_t seed = 0;               // seeds the subset draws (without replacement)
};

// real [n, F], gen [m, F] (float64 preferred); returns KID (not ×1000).
double kernel_inception_distance(const torch::Tensor& real, const torch::Tensor& gen, const KIDOptions& options = {});

}  // namespace pfgm::eval
