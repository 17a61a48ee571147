#include "pfgm/networks/layers/linear.h"

#include <torch/nn/module.h>

#include "pfgm/networks/flop_counter.h"

namespace pfgm::networks::layers {

Linear::Linear(int64_t in, int64_t out, bool has_bias, const InitOptions& init) : in_features(in), out_features(out) {
  weight = register_parameter("weight", weight_init({out, in}, init.mode, in, out) * init.init_weight);
  if (has_bias) bias = register_parameter("bias", weight_init({out}, init.mode, in, out) * init.init_bias);
}

torch::Tensor Linear::forward(const torch::Tensor& x) {
  count_flops(2 * (x.numel() / in_features) * in_features * out_features);
  auto y = torch::matmul(x, weight.to(x.scalar_type()).t());
  return bias.defined() ? y.add_(bias.to(x.scalar_type())) : y;
}

}  // namespace pfgm::networks::layers
