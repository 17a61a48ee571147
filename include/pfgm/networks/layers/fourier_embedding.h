#pragma once
// Random Fourier features of the noise label (Tancik et al. 2020; NCSN++'s Gaussian Fourier
// projection): [cos(2π f c), sin(2π f c)] with f ~ N(0, scale²) stored as the buffer `freqs`.
#include <torch/nn/module.h>

namespace pfgm::networks::layers {

class FourierEmbedding : public torch::nn::Module {
 public:
  explicit FourierEmbedding(int64_t num_channels, double scale = 16);
  torch::Tensor forward(const torch::Tensor& c_noise);  // [B] → [B, num_channels]

  torch::Tensor freqs;
};

}  // namespace pfgm::networks::layers
