#pragma once
// The stable target field (Xu et al. 2023, "Stable target field", ICLR; spec 1.5): the posterior
// mean of the clean image under the kernel, estimated over reference images Y [M, ...],
// Σ_j w_j Y_j with w_j ∝ p_r(x | Y_j). Finite D: w_j = ratio_j^(N+D)/(Σ_k ratio_k^(N+D) + 1e−7),
// the min-ratio weights of empirical_field at r = σ√D (the D augmented coordinates collapsed into
// their norm); D = ∞: w = softmax_j(−‖x − Y_j‖²/(2σ²)).
#include <torch/types.h>

namespace pfgm::physics {

// x [B, ...], σ [B], references [M, ...]; returns x's shape, float64.
torch::Tensor stf_target(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& references, double D);

}  // namespace pfgm::physics
