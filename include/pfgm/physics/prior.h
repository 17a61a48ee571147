#pragma once
// Priors to start the backward ODE from, one independent stream per seed:
// PFGM++ (Xu et al. 2023), Sec. 4: p_{r_max}(x) at r_max = σ_max√D (the perturbation kernel around
// the origin; Gaussian N(0, σ_max²I) for D = ∞); PFGM (Xu et al. 2022), Sec. 3.3 / App. B.2: the
// field's uniform law on the z = z_max hyperplane, i.e. the D = 1 kernel with r = z_max.
#include <optional>
#include <vector>

#include <torch/types.h>

namespace pfgm::physics {

// [B, sample_shape...] float64 on the CPU; row b depends only on seeds[b]. radius_quantile q < 1
// truncates the radius law at R ≤ k_q·r_max as the training kernel (perturbation_kernel.h).
torch::Tensor sample_pfgmpp_prior(const std::vector<int64_t>& seeds, at::IntArrayRef sample_shape, double sigma_max,
                                  double D, double radius_quantile = 1);

struct PFGMPriorOptions {
  double z_max = 40;                      // starting hyperplane z = z_max
  std::optional<double> upper_norm;       // the official clip R ← clip(R, 1, upper_norm) (spec 7.4), off by default
  double radius_quantile = 1;             // q: the law truncated to R ≤ k_q·z_max (no clip mass); 1 = exact
};

// x [B, N] on the z = z_max hyperplane (density ∝ (‖x‖² + z_max²)^(−(N+1)/2)), float64 on the CPU.
torch::Tensor sample_pfgm_prior(const std::vector<int64_t>& seeds, int64_t N, const PFGMPriorOptions& options);

}  // namespace pfgm::physics
