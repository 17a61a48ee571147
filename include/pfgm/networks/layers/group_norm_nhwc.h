#pragma once
// GroupNorm (Wu & He 2018) for channels-last (NHWC) CPU tensors, forward and backward:
//   y = γ_c (x − μ_bg) / √(σ²_bg + eps) + β_c,
// with μ, σ² over the group's channels and all pixels, accumulated in float (two passes) and γ, β,
// their gradients and the statistics in fp32 whatever the activations' dtype (fp32, bf16, fp16).
// LibTorch's own channels-last GroupNorm runs several times slower than its NCHW one on the CPU,
// and channels-last is what makes the convolutions fast there.
#include <torch/types.h>

namespace pfgm::networks::layers {

// True for 4-D CPU tensors laid out channels-last (and not also contiguous, i.e. C > 1 and H·W > 1).
bool is_nhwc(const torch::Tensor& x);

// Differentiable in x, gamma and beta; x must satisfy is_nhwc. Returns a channels-last tensor.
torch::Tensor group_norm_nhwc(const torch::Tensor& x, int64_t num_groups, const torch::Tensor& gamma,
                              const torch::Tensor& beta, double eps);

}  // namespace pfgm::networks::layers
