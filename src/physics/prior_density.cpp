#include "pfgm/physics/prior_density.h"

#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/physics/perturbation_kernel.h"

namespace pfgm::physics {

torch::Tensor pfgmpp_prior_log_density(const torch::Tensor& x, double sigma_max, double D, double radius_quantile) {
  PFGM_CHECK(sigma_max > 0, "[prior density] sigma_max must be > 0, got ", sigma_max);
  PFGM_CHECK(D > 0, "[prior density] D must be > 0, got ", D);
  PFGM_CHECK(x.dim() >= 2, "[prior density] x must be [B, ...], got ", x.dim(), " dimensions");
  const auto flat = x.to(torch::kFloat64).reshape({x.size(0), -1});
  const double N = static_cast<double>(flat.size(1));
  const auto sq = flat.pow(2).sum(1);  // ‖x‖²
  if (std::isinf(D)) return -0.5 * N * std::log(2 * M_PI * sigma_max * sigma_max) - sq / (2 * sigma_max * sigma_max);
  const double r2 = sigma_max * sigma_max * D;  // r² = σ²D
  // The normaliser ∫(‖x‖² + r²)^(−(N+D)/2) dx = π^(N/2)·Γ(D/2)/Γ((N+D)/2)·r^(−D); written with
  // ln(1 + ‖x‖²/r²) so that large D does not cancel D·ln r against ((N+D)/2)·ln r².
  const double log_c = std::lgamma(0.5 * (N + D)) - std::lgamma(0.5 * D) - 0.5 * N * std::log(M_PI * r2);
  const auto log_p = log_c - 0.5 * (N + D) * torch::log1p(sq / r2);
  if (radius_quantile >= 1) return log_p;
  const double k = radius_ratio_quantile(flat.size(1), D, radius_quantile);  // R ≤ k·r
  return torch::where(sq <= k * k * r2, log_p - std::log(radius_quantile), torch::full_like(log_p, -INFINITY));
}

torch::Tensor pfgm_prior_log_density(const torch::Tensor& x, double z_max, double radius_quantile) {
  PFGM_CHECK(z_max > 0, "[prior density] z_max must be > 0, got ", z_max);
  return pfgmpp_prior_log_density(x, z_max, 1.0, radius_quantile);  // D = 1 and σ = z_max give r = z_max
}

}  // namespace pfgm::physics
