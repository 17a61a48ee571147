#pragma once
// Exact log-densities of the priors in prior.h, for likelihoods by the change of variables:
// PFGM++ (Xu et al. 2023), Eq. (4) at r = σ_max√D, normalised over R^N (N(0, σ_max²I) for D = ∞);
// PFGM (Xu et al. 2022), Sec. 3.3: the z = z_max hyperplane law, the same kernel with D = 1, r = z_max.
#include <torch/types.h>

namespace pfgm::physics {

// log p(x) = lnΓ((N+D)/2) − lnΓ(D/2) − (N/2)·ln(π r²) − ((N+D)/2)·ln(1 + ‖x‖²/r²), r = σ_max√D,
// for x [B, ...] (N = the product of the other sizes); D = kInfiniteD: log N(x; 0, σ_max² I).
// Returns [B] float64 on x's device. With radius_quantile q < 1 (finite D) the law truncated to
// ‖x‖ ≤ k_q·r: log p − ln q inside, −∞ beyond.
torch::Tensor pfgmpp_prior_log_density(const torch::Tensor& x, double sigma_max, double D, double radius_quantile = 1);

// PFGM: density ∝ (‖x‖² + z_max²)^(−(N+1)/2) on the z = z_max hyperplane, normalised for every N
// (the D = 1 case above with r = z_max; not the reference's sphere area of R^N, spec 7.7).
torch::Tensor pfgm_prior_log_density(const torch::Tensor& x, double z_max, double radius_quantile = 1);

}  // namespace pfgm::physics
