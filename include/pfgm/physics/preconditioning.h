#pragma once
// EDM (Karras et al. 2022), Table 1 and Eq. (7): D(x; σ) = c_skip(σ)·x + c_out(σ)·F(c_in(σ)·x; c_noise(σ)),
// with loss weight λ(σ) = 1/c_out(σ)². PFGM++ keeps these unchanged (Xu et al. 2023, Sec. 4).
#include <torch/types.h>

namespace pfgm::physics {

struct EDMScalings {
  torch::Tensor c_skip, c_out, c_in, c_noise;
};

// Elementwise in σ (any shape, any dtype).
EDMScalings edm_scalings(const torch::Tensor& sigma, double sigma_data);

// λ(σ) = (σ² + σ_data²) / (σ·σ_data)².
torch::Tensor edm_loss_weight(const torch::Tensor& sigma, double sigma_data);

}  // namespace pfgm::physics
