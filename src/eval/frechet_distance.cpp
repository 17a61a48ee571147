#include "pfgm/eval/frechet_distance.h"

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::eval {

GaussianStats gaussian_stats(const torch::Tensor& features) {
  PFGM_CHECK(features.dim() == 2 && features.size(0) >= 2, "[fid] features: expected [n >= 2, dim], got ",
             features.sizes());
  const auto f = features.to(torch::kFloat64);
  const double n = static_cast<double>(f.size(0));
  const auto mu = f.mean(0);
  const auto sigma = (torch::mm(f.t(), f) - n * torch::outer(mu, mu)) / (n - 1);
  return {mu, sigma};
}

namespace {
// Symmetric PSD square root through the eigen-decomposition (negative round-off clamped to 0).
torch::Tensor sqrt_psd(const torch::Tensor& A) {
  auto [lambda, Q] = torch::linalg_eigh(0.5 * (A + A.t()));
  return torch::mm(Q * lambda.clamp_min(0).sqrt().unsqueeze(0), Q.t());
}
}  // namespace

double frechet_distance(const GaussianStats& a, const GaussianStats& b) {
  PFGM_CHECK(a.mu.sizes() == b.mu.sizes(), "[fid] feature dimensions differ: ", a.mu.size(0), " and ", b.mu.size(0));
  const auto s1 = sqrt_psd(a.sigma.to(torch::kFloat64));
  const auto M = torch::mm(torch::mm(s1, b.sigma.to(torch::kFloat64)), s1);
  const auto lambda = torch::linalg_eigvalsh(0.5 * (M + M.t()));
  const double tr_sqrt = lambda.clamp_min(0).sqrt().sum().item<double>();
  const double mean_term = (a.mu - b.mu).square().sum().item<double>();
  return mean_term + a.sigma.trace().item<double>() + b.sigma.trace().item<double>() - 2 * tr_sqrt;
}

}  // namespace pfgm::eval
