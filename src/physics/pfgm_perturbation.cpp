#include "pfgm/physics/pfgm_perturbation.h"

#include <algorithm>

#include <algorithm>
#include <cmath>

#include <torch/types.h>

#include "pfgm/physics/perturbation_kernel.h"

#include "pfgm/core/error.h"

namespace pfgm::physics {

AugmentedPoints pfgm_perturb(const torch::Tensor& y, const PFGMPerturbationOptions& o, at::Generator& gen) {
  const auto y64 = y.to(torch::kCPU, torch::kFloat64).reshape({y.size(0), -1});
  const int64_t B = y64.size(0), N = y64.size(1);
  auto m = at::rand({B}, gen, torch::kFloat64) * o.M;                             // m ~ U[0, M)
  const auto z0 = torch::abs(at::randn({B}, gen, torch::kFloat64)) * o.sigma_end;  // z0 = |N(0, σ²)|
  if (o.restrict_M) {
    const auto m_small = at::rand({B}, gen, torch::kFloat64) * (0.7 * o.M);
    m = torch::where(z0 < 0.005, m_small, m);
  }
  const auto k = torch::pow(1.0 + o.tau, m);                                       // k = (1+τ)^m
  const auto eps_norm = at::randn({B, N}, gen, torch::kFloat64).norm(2, {1});      // ‖ε‖, ε ~ N(0, I_N)
  auto g = at::randn({B, N}, gen, torch::kFloat64);
  const auto u = g / g.norm(2, {1}, true);                                         // u uniform on S^(N−1)
  AugmentedPoints p;
  p.x = y64 + u * (eps_norm * o.sigma_end * k).unsqueeze(1);
  p.z = z0 * k;
  return p;
}

PFGMHyperparameters pfgm_hyperparameters(double mean_sq_norm, int64_t N, double sigma_end, double tau) {
  const double sqrtN = std::sqrt(static_cast<double>(N));
  PFGMHyperparameters h;
  h.M = std::floor(0.75 * std::log(mean_sq_norm / (2 * sqrtN * sigma_end * sigma_end)) / std::log(1 + tau)) + 1;
  const double k = std::pow(1 + tau, h.M);
  h.z_max = std::sqrt(2 / M_PI) * sigma_end * k;
  h.upper_norm = sqrtN * sigma_end * k;
  return h;
}

double pfgm_M_reaching(double rho, int64_t N, double sigma_end, double tau) {
  PFGM_CHECK(rho > 0 && std::isfinite(rho), "[pfgm] radius to reach: got ", rho, ", expected finite > 0");
  return std::max(1.0, std::ceil(std::log(rho / (sigma_end * std::sqrt(N + 1.0))) / std::log(1 + tau)));
}

double pfgm_M_for_prior(double M, double z_max, double radius_quantile, int64_t N, double sigma_end, double tau) {
  const double k_q = radius_ratio_quantile(N, 1.0, radius_quantile);
  if (std::isinf(k_q)) return M;
  return std::max(M, pfgm_M_reaching(z_max * std::sqrt(1 + k_q * k_q), N, sigma_end, tau));
}

}  // namespace pfgm::physics
