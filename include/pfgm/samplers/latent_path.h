#pragma once
// Paths in the prior's geometry. The PFGM++ prior p_{r_max} (Xu et al. 2023, Sec. 4 and App. B.1)
// is rotationally symmetric: x_T = R·u with u uniform on S^(N−1) and R²/r² ~ BetaPrime(N/2, D/2),
// r = σ_max·√D (D = ∞: R/σ_max ~ χ_N; PFGM: D = 1 and r = z_max). Between two latents the
// direction moves on the great circle (slerp) and the radius through the law's CDF (quantile
// interpolation), so every point of the path is as typical as its ends. Temperature scales x_T.
#include <cstdint>

#include <torch/types.h>

#include "pfgm/networks/model_config.h"

namespace pfgm::samplers {

// The law of R = ‖x_T‖ under the prior.
struct RadiusLaw {
  int64_t N = 2;           // data dimension
  double D = 128;          // augmented dimensions, or physics::kInfiniteD
  double sigma_max = 80;   // σ_max of the prior, r = σ_max·√D

  double cdf(double R) const;          // F(R) = I_u(N/2, D/2), u = R²/(R² + r²); D = ∞: P(N/2, R²/2σ_max²)
  double sf(double R) const;           // 1 − F(R), accurate in the upper tail
  double quantile(double p) const;     // F⁻¹(p) for p ∈ [0, 1] (∞ at 1)
  double quantile_sf(double q) const;  // the R with sf(R) = q
};

// The radius law of `config`'s prior at sigma_max (PFGM: D = 1 at z_max; its upper_norm clip is
// not part of the law).
RadiusLaw prior_radius_law(const networks::ModelConfig& config, double sigma_max);

// The radius a fraction t ∈ [0, 1] of the way from R0 to R1 in probability: F(R_t) =
// (1 − t)·F(R0) + t·F(R1), computed on the upper tail (1 − F) when both lie there. R0 at t = 0 and
// R1 at t = 1 exactly; linear in R where the levels underflow.
double interpolate_radius(const RadiusLaw& law, double R0, double R1, double t);

// Great-circle interpolation of the directions of the rows of u0, u1 [B, ...] (normalised first):
// sin((1 − t)Ω)/sin Ω·u0 + sin(tΩ)/sin Ω·u1 with Ω = 2·atan2(‖u0 − u1‖, ‖u0 + u1‖); unit rows.
torch::Tensor slerp(const torch::Tensor& u0, const torch::Tensor& u1, double t);

// The latent at t of the path from x0 to x1 (rows of [B, ...], float64): slerp of the directions
// times interpolate_radius of the norms; x0 at t = 0 and x1 at t = 1 exactly.
torch::Tensor interpolate_latents(const RadiusLaw& law, const torch::Tensor& x0, const torch::Tensor& x1, double t);

// `frames` ≥ 2 latents at t_k = k/(frames − 1) between two single latents x0, x1 [sample_shape...]:
// [frames, sample_shape...] float64.
torch::Tensor latent_path(const RadiusLaw& law, const torch::Tensor& x0, const torch::Tensor& x1, int64_t frames);

// Temperature τ > 0: x_T ← τ·x_T (τ < 1 concentrates on typical samples, τ > 1 spreads them).
torch::Tensor apply_temperature(const torch::Tensor& latents, double tau);

}  // namespace pfgm::samplers
