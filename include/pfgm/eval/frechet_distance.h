#pragma once
// The Fréchet distance between Gaussians fitted to two feature sets (Heusel et al. 2017, Eq. (6)):
// d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½), in float64.
#include <torch/types.h>

namespace pfgm::eval {

struct GaussianStats {
  torch::Tensor mu;     // [dim]
  torch::Tensor sigma;  // [dim, dim], unbiased: (Σ f fᵀ − n μ μᵀ)/(n − 1)
};

GaussianStats gaussian_stats(const torch::Tensor& features);  // features [n, dim], n ≥ 2

// tr((Σ₁Σ₂)^½) = Σ_i √λ_i(Σ₁^½ Σ₂ Σ₁^½): the eigenvalues of Σ₁Σ₂ are those of the symmetric PSD
// matrix Σ₁^½ Σ₂ Σ₁^½, so no non-symmetric square root is needed (and rank-deficient Σ are fine).
double frechet_distance(const GaussianStats& a, const GaussianStats& b);

}  // namespace pfgm::eval
