#pragma once
// PFGM++ (Xu et al. 2023), Eq. (4): the perturbation kernel p_r(x|y) ∝ (‖x−y‖² + r²)^(−(N+D)/2).
// Its radius obeys R²/r² ~ BetaPrime(N/2, D/2) (App. B.1) with a uniform direction on S^(N−1);
// D = ∞ is the Gaussian N(y, σ²I) of EDM.
#include <torch/types.h>

namespace pfgm::physics {

struct KernelOptions {
  double D = 128;              // augmented dimensions, or kInfiniteD
  bool official_clip = false;  // the official training code's Beta clip to [1e−3, 1−1e−3] (biased for small D)
  double radius_quantile = 1;  // q: the radius law truncated to R ≤ k_q·r, P(R ≤ k_q·r) = q (finite D); 1 = exact
};

// k_q = sqrt(F⁻¹(q)) for R²/r² ~ BetaPrime(N/2, D/2): the largest R/r the kernel truncated at the
// quantile q keeps; +∞ for q = 1 or D = ∞ (the Gaussian's tail is never truncated).
double radius_ratio_quantile(int64_t N, double D, double q);

// Radii R = ‖x − y‖ for per-sample σ [B] (float64 on the CPU), drawn exactly as
// R = r·sqrt(G_a/G_b) with G_a ~ Gamma(N/2), G_b ~ Gamma(D/2), r = σ√D, in float64.
// For D = ∞: R = σ·χ_N. With radius_quantile q < 1 the law is conditioned on R ≤ k_q·r (draws
// beyond are redrawn), a scale family like the exact kernel, so the σ-ODE stays exact for it.
// Returns [B] float64 on the CPU.
torch::Tensor sample_radius(const torch::Tensor& sigma, int64_t N, const KernelOptions& kernel, at::Generator& gen);

// Perturbations n = x − y of shape [B, sample_shape...] (N = prod(sample_shape)) in float64 on
// the CPU: direction uniform on the sphere times the radius above; for D = ∞ simply σ·ε.
// Draw order per call: Gamma(N/2) [B], Gamma(D/2) [B], then the Gaussian [B, N].
torch::Tensor sample_perturbation(const torch::Tensor& sigma, at::IntArrayRef sample_shape, const KernelOptions& kernel,
                                  at::Generator& gen);

}  // namespace pfgm::physics
