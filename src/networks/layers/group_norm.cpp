#include "pfgm/networks/layers/group_norm.h"

#include <algorithm>

#include <torch/nn/module.h>

#include "pfgm/core/error.h"
#include "pfgm/networks/layers/group_norm_nhwc.h"

namespace pfgm::networks::layers {

GroupNorm::GroupNorm(int64_t C, int64_t groups, int64_t min_channels_per_group, double eps_)
    : num_groups(std::min(groups, C / min_channels_per_group)), eps(eps_) {
  PFGM_CHECK(num_groups > 0 && C % num_groups == 0, "[network] GroupNorm: ", C, " channels cannot form ", num_groups,
             " groups");
  weight = register_parameter("weight", torch::ones({C}));
  bias = register_parameter("bias", torch::zeros({C}));
}

torch::Tensor GroupNorm::forward(const torch::Tensor& x) {
  if (is_nhwc(x)) return group_norm_nhwc(x, num_groups, weight, bias, eps);
  return torch::group_norm(x, num_groups, weight.to(x.scalar_type()), bias.to(x.scalar_type()), eps);
}

}  // namespace pfgm::networks::layers
