#include "pfgm/samplers/latent_path.h"

#include <cmath>
#include <limits>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::samplers {

namespace bm = boost::math;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

void check_law(const RadiusLaw& law) {
  PFGM_CHECK(law.N > 0 && law.D > 0 && law.sigma_max > 0, "[radius law] expected N > 0, D > 0, sigma_max > 0, got ",
             law.N, ", ", law.D, ", ", law.sigma_max);
}

// u = R²/(R² + r²) ~ Beta(N/2, D/2) and its complement r²/(R² + r²), without cancellation.
std::pair<double, double> beta_variable(const RadiusLaw& law, double R) {
  const double r2 = law.sigma_max * law.sigma_max * law.D, R2 = R * R;
  return {R2 / (R2 + r2), r2 / (R2 + r2)};
}

// R from u and 1 − u: R = r·sqrt(u/(1 − u)).
double radius_from_beta(const RadiusLaw& law, double u, double one_minus_u) {
  if (one_minus_u <= 0) return kInf;
  return law.sigma_max * std::sqrt(law.D) * std::sqrt(u / one_minus_u);
}
}  // namespace

double RadiusLaw::cdf(double R) const {
  check_law(*this);
  if (!(R > 0)) return 0;
  if (std::isinf(R)) return 1;
  const double a = 0.5 * static_cast<double>(N);
  if (std::isinf(D)) return bm::gamma_p(a, 0.5 * R * R / (sigma_max * sigma_max));  // R/σ_max ~ χ_N
  const auto [u, v] = beta_variable(*this, R);
  // I_u(a, b) = 1 − I_{1−u}(b, a): from whichever of u, 1 − u is the smaller, both computed exactly.
  return u <= v ? bm::ibeta(a, 0.5 * D, u) : bm::ibetac(0.5 * D, a, v);
}

double RadiusLaw::sf(double R) const {
  check_law(*this);
  if (!(R > 0)) return 1;
  if (std::isinf(R)) return 0;
  const double a = 0.5 * static_cast<double>(N);
  if (std::isinf(D)) return bm::gamma_q(a, 0.5 * R * R / (sigma_max * sigma_max));
  const auto [u, v] = beta_variable(*this, R);
  return u <= v ? bm::ibetac(a, 0.5 * D, u) : bm::ibeta(0.5 * D, a, v);
}

double RadiusLaw::quantile(double p) const {
  check_law(*this);
  PFGM_CHECK(p >= 0 && p <= 1, "[radius law] quantile level must lie in [0, 1], got ", p);
  if (p == 0) return 0;
  if (p == 1) return kInf;
  const double a = 0.5 * static_cast<double>(N);
  if (std::isinf(D)) return sigma_max * std::sqrt(2 * bm::gamma_p_inv(a, p));
  double one_minus_u = 0;
  const double u = bm::ibeta_inv(a, 0.5 * D, p, &one_minus_u);
  return radius_from_beta(*this, u, one_minus_u);
}

double RadiusLaw::quantile_sf(double q) const {
  check_law(*this);
  PFGM_CHECK(q >= 0 && q <= 1, "[radius law] tail level must lie in [0, 1], got ", q);
  if (q == 0) return kInf;
  if (q == 1) return 0;
  const double a = 0.5 * static_cast<double>(N);
  if (std::isinf(D)) return sigma_max * std::sqrt(2 * bm::gamma_q_inv(a, q));
  double one_minus_u = 0;
  const double u = bm::ibetac_inv(a, 0.5 * D, q, &one_minus_u);
  return radius_from_beta(*this, u, one_minus_u);
}

RadiusLaw prior_radius_law(const networks::ModelConfig& c, double sigma_max) {
  if (c.precond == networks::Precond::PFGM) return {c.N, 1.0, c.z_max};  // the D = 1 kernel at r = z_max
  return {c.N, c.D, sigma_max};
}

double interpolate_radius(const RadiusLaw& law, double R0, double R1, double t) {
  PFGM_CHECK(t >= 0 && t <= 1, "[interpolate] t must lie in [0, 1], got ", t);
  PFGM_CHECK(R0 > 0 && R1 > 0 && std::isfinite(R0) && std::isfinite(R1), "[interpolate] radii must be finite and > 0, got ",
             R0, " and ", R1);
  if (t == 0) return R0;
  if (t == 1) return R1;
  const double p0 = law.cdf(R0), p1 = law.cdf(R1);
  double R = kInf;
  if (p0 > 0.5 && p1 > 0.5) {
    const double q0 = law.sf(R0), q1 = law.sf(R1);
    if (q0 > 0 && q1 > 0) R = law.quantile_sf((1 - t) * q0 + t * q1);
  } else if (p0 > 0 && p1 > 0 && p0 < 1 && p1 < 1) {
    R = law.quantile((1 - t) * p0 + t * p1);
  }
  // Levels lost to under/overflow (radii far outside the law): interpolate R itself.
  if (!std::isfinite(R) || !(R > 0)) R = (1 - t) * R0 + t * R1;
  return R;
}

torch::Tensor slerp(const torch::Tensor& u0_in, const torch::Tensor& u1_in, double t) {
  PFGM_CHECK(u0_in.sizes() == u1_in.sizes() && u0_in.dim() >= 1, "[slerp] expected two [B, ...] tensors of one shape, got ",
             u0_in.sizes(), " and ", u1_in.sizes());
  const int64_t B = u0_in.size(0);
  const auto a0 = u0_in.to(torch::kFloat64).reshape({B, -1}), a1 = u1_in.to(torch::kFloat64).reshape({B, -1});
  const auto n0 = a0.norm(2, {1}, true), n1 = a1.norm(2, {1}, true);
  PFGM_CHECK((n0 > 0).all().item<bool>() && (n1 > 0).all().item<bool>(), "[slerp] a direction of norm 0");
  const auto u0 = a0 / n0, u1 = a1 / n1;
  const auto omega = 2 * torch::atan2((u0 - u1).norm(2, {1}, true), (u0 + u1).norm(2, {1}, true));
  const auto sin_omega = torch::sin(omega);
  // sin((1 − t)Ω)/sin Ω → 1 − t and sin(tΩ)/sin Ω → t as Ω → 0.
  const auto small = sin_omega.abs() < 1e-12;
  const auto safe = torch::where(small, torch::ones_like(sin_omega), sin_omega);
  const auto w0 = torch::where(small, torch::full_like(omega, 1 - t), torch::sin((1 - t) * omega) / safe);
  const auto w1 = torch::where(small, torch::full_like(omega, t), torch::sin(t * omega) / safe);
  auto u = w0 * u0 + w1 * u1;
  u = u / u.norm(2, {1}, true);
  return u.reshape(u0_in.sizes());
}

torch::Tensor interpolate_latents(const RadiusLaw& law, const torch::Tensor& x0, const torch::Tensor& x1, double t) {
  PFGM_CHECK(x0.sizes() == x1.sizes() && x0.dim() >= 1, "[interpolate] expected two [B, ...] latents of one shape, got ",
             x0.sizes(), " and ", x1.sizes());
  PFGM_CHECK(t >= 0 && t <= 1, "[interpolate] t must lie in [0, 1], got ", t);
  if (t == 0) return x0.to(torch::kFloat64).clone();
  if (t == 1) return x1.to(torch::kFloat64).clone();
  const int64_t B = x0.size(0);
  const auto R0 = x0.to(torch::kCPU, torch::kFloat64).reshape({B, -1}).norm(2, {1});
  const auto R1 = x1.to(torch::kCPU, torch::kFloat64).reshape({B, -1}).norm(2, {1});
  auto R = torch::empty({B}, torch::kFloat64);
  for (int64_t b = 0; b < B; ++b)
    R[b] = interpolate_radius(law, R0[b].item<double>(), R1[b].item<double>(), t);
  const auto u = slerp(x0, x1, t).reshape({B, -1});
  return (u * R.to(u.device()).unsqueeze(1)).reshape(x0.sizes());
}

torch::Tensor latent_path(const RadiusLaw& law, const torch::Tensor& x0, const torch::Tensor& x1, int64_t frames) {
  PFGM_CHECK(frames >= 2, "[frames] got ", frames, ", expected at least 2");
  std::vector<torch::Tensor> path;
  for (int64_t k = 0; k < frames; ++k) {
    const double t = k == frames - 1 ? 1.0 : static_cast<double>(k) / static_cast<double>(frames - 1);
    path.push_back(interpolate_latents(law, x0.unsqueeze(0), x1.unsqueeze(0), t));
  }
  return torch::cat(path);
}

torch::Tensor apply_temperature(const torch::Tensor& latents, double tau) {
  PFGM_CHECK(tau > 0 && std::isfinite(tau), "[temperatures] got ", tau, ", expected a temperature > 0");
  return latents.to(torch::kFloat64) * tau;
}

}  // namespace pfgm::samplers
