#include "pfgm/physics/perturbation_kernel.h"

#include <cmath>
#include <limits>

#include <boost/math/special_functions/beta.hpp>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::physics {

namespace {
torch::Tensor gamma_draw(double alpha, int64_t B, at::Generator& gen) {
  return at::_standard_gamma(torch::full({B}, alpha, torch::kFloat64), gen);
}
}  // namespace

double radius_ratio_quantile(int64_t N, double D, double q) {
  PFGM_CHECK(N > 0, "[kernel] data dimension N must be positive, got ", N);
  PFGM_CHECK(D > 0, "[kernel] D must be > 0, got ", D);
  PFGM_CHECK(q > 0 && q <= 1, "[kernel] radius_quantile: got ", q, ", expected 0 < q <= 1");
  if (q == 1 || std::isinf(D)) return std::numeric_limits<double>::infinity();
  const double b_q = boost::math::ibeta_inv(0.5 * N, 0.5 * D, q);  // F⁻¹(q) of Beta(N/2, D/2)
  return std::sqrt(b_q / (1 - b_q));                               // R²/r² = b/(1 − b)
}

namespace {
// R/r = sqrt(G_a/G_b) with G_a ~ Gamma(N/2), G_b ~ Gamma(D/2) (R²/r² ~ BetaPrime(N/2, D/2)); draws
// above k_max are redrawn until none is left.
torch::Tensor ratio_draw(int64_t N, double D, int64_t B, double k_max, at::Generator& gen) {
  auto draw = [&] {
    const auto G_a = gamma_draw(0.5 * N, B, gen);  // G_a ~ Gamma(N/2)
    const auto G_b = gamma_draw(0.5 * D, B, gen);  // G_b ~ Gamma(D/2)
    return torch::sqrt(G_a / G_b);
  };
  auto ratio = draw();
  if (std::isinf(k_max)) return ratio;
  for (auto far = ratio > k_max; far.any().item<bool>(); far = ratio > k_max) ratio = torch::where(far, draw(), ratio);
  return ratio;
}
}  // namespace

torch::Tensor sample_radius(const torch::Tensor& sigma, int64_t N, const KernelOptions& kernel, at::Generator& gen) {
  PFGM_CHECK(N > 0, "[kernel] data dimension N must be positive, got ", N);
  PFGM_CHECK(kernel.D > 0, "[kernel] D must be > 0, got ", kernel.D);
  const auto s = sigma.to(torch::kCPU, torch::kFloat64).reshape({-1});
  const int64_t B = s.size(0);
  if (std::isinf(kernel.D)) {
    // χ_N = sqrt(2·Gamma(N/2)).
    return s * torch::sqrt(2.0 * gamma_draw(0.5 * N, B, gen));
  }
  const auto r = s * std::sqrt(kernel.D);  // r = σ√D
  const double k_max = radius_ratio_quantile(N, kernel.D, kernel.radius_quantile);
  if (!kernel.official_clip) return r * ratio_draw(N, kernel.D, B, k_max, gen);
  PFGM_CHECK(std::isinf(k_max), "[kernel] the official clip and a radius quantile < 1 exclude each other");
  // Official training loss: b ~ Beta(N/2, D/2) clipped, ib = b/(1 − b + 1e−8), R = r·sqrt(ib + 1e−8).
  const auto G_a = gamma_draw(0.5 * N, B, gen);         // G_a ~ Gamma(N/2)
  const auto G_b = gamma_draw(0.5 * kernel.D, B, gen);  // G_b ~ Gamma(D/2)
  const auto b = torch::clamp(G_a / (G_a + G_b), 1e-3, 1.0 - 1e-3);
  return r * torch::sqrt(b / (1.0 - b + 1e-8) + 1e-8);
}

torch::Tensor sample_perturbation(const torch::Tensor& sigma, at::IntArrayRef sample_shape, const KernelOptions& kernel,
                                  at::Generator& gen) {
  const auto s = sigma.to(torch::kCPU, torch::kFloat64).reshape({-1});
  const int64_t B = s.size(0);
  int64_t N = 1;
  for (auto d : sample_shape) N *= d;
  std::vector<int64_t> shape{B};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  if (std::isinf(kernel.D)) {
    PFGM_CHECK(kernel.D > 0, "[kernel] D must be > 0, got ", kernel.D);
    auto eps = at::randn({B, N}, gen, torch::kFloat64);
    return (s.unsqueeze(1) * eps).reshape(shape);
  }
  const auto R = sample_radius(s, N, kernel, gen);
  auto g = at::randn({B, N}, gen, torch::kFloat64);
  const auto u = g / g.norm(2, {1}, true);  // uniform on S^(N−1)
  return (u * R.unsqueeze(1)).reshape(shape);
}

}  // namespace pfgm::physics
