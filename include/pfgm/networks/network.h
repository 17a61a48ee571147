#pragma once
// The inner network F of every model: F(x_in, c_noise, class_labels, augment_labels), as the
// U-Nets of EDM (Karras et al. 2022, App. B) and the vector MLP share it.
#include <torch/nn/module.h>
#include <torch/types.h>

namespace pfgm::networks {

class Network : public torch::nn::Module {
 public:
  // x [B, ...] float32; c_noise [B] or [1]; labels may be undefined tensors.
  virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& c_noise,
                                const torch::Tensor& class_labels = {}, const torch::Tensor& augment_labels = {}) = 0;
};

}  // namespace pfgm::networks
