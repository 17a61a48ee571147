#pragma once
// EDM's Linear: y = x·Wᵀ + b with W [out, in], the parameters cast to x's dtype (so one set of
// float32 weights serves float16/bfloat16 activations).
#include <torch/nn/module.h>

#include "pfgm/networks/layers/weight_init.h"

namespace pfgm::networks::layers {

class Linear : public torch::nn::Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, const InitOptions& init = {});
  torch::Tensor forward(const torch::Tensor& x);

  int64_t in_features, out_features;
  torch::Tensor weight, bias;  // bias undefined when absent
};

}  // namespace pfgm::networks::layers
