#pragma once
// EDM's Conv2d with optional 2× up/down-sampling by a separable FIR filter f = v vᵀ/(Σv)²
// ([1,1]: box filter, i.e. nearest-neighbour up / average-pool down; [1,3,3,1]: the StyleGAN
// filter of NCSN++), either before the convolution or fused with it.
#include <vector>

#include <torch/nn/module.h>

#include "pfgm/networks/layers/weight_init.h"

namespace pfgm::networks::layers {

struct ResampleOptions {
  bool up = false;
  bool down = false;
  std::vector<double> filter{1, 1};  // resample_filter
  bool fused = false;                // fused_resample
};

class Conv2d : public torch::nn::Module {
 public:
  // kernel 0: no weight and no bias (a pure resampling layer).
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, bool bias = true,
         const ResampleOptions& resample = {}, const InitOptions& init = {});
  torch::Tensor forward(const torch::Tensor& x);

  int64_t in_channels, out_channels;
  ResampleOptions resample;
  torch::Tensor weight, bias, resample_filter;  // undefined when absent

 private:
  bool box_filter_ = false;  // resample_filter [a, a]
};

}  // namespace pfgm::networks::layers
