#pragma once
// EDM's GroupNorm: min(num_groups, C / min_channels_per_group) groups, affine, in x's dtype.
#include <torch/nn/module.h>

namespace pfgm::networks::layers {

class GroupNorm : public torch::nn::Module {
 public:
  explicit GroupNorm(int64_t num_channels, int64_t num_groups = 32, int64_t min_channels_per_group = 4,
                     double eps = 1e-5);
  torch::Tensor forward(const torch::Tensor& x);

  int64_t num_groups;
  double eps;
  torch::Tensor weight, bias;
};

}  // namespace pfgm::networks::layers
