// Sliced Wasserstein-2 distance: project both sets on random unit directions, sort, average the
// squared differences of matched order statistics, take the square root.
#include "pfgm/eval/sliced_wasserstein.h"

#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::eval {

double sliced_wasserstein(const torch::Tensor& X, const torch::Tensor& Y, int64_t num_projections,
                          at::Generator& gen) {
  PFGM_CHECK(X.defined() && X.dim() == 2, "[sliced_wasserstein] X: got rank ", X.defined() ? X.dim() : -1,
             ", expected [n, d]");
  PFGM_CHECK(Y.defined() && Y.dim() == 2, "[sliced_wasserstein] Y: got rank ", Y.defined() ? Y.dim() : -1,
             ", expected [n, d]");
  PFGM_CHECK(X.sizes() == Y.sizes(), "[sliced_wasserstein] Y: got shape ", Y.sizes(), ", expected ",
             X.sizes(), " (the shape of X)");
  PFGM_CHECK(X.size(0) > 0, "[sliced_wasserstein] X: got 0 points, expected at least 1");
  PFGM_CHECK(num_projections > 0, "[sliced_wasserstein] num_projections: got ", num_projections,
             ", expected > 0");
  auto x = X.to(torch::kFloat64);
  auto y = Y.to(x.device(), torch::kFloat64);
  auto theta = at::randn({X.size(1), num_projections}, gen, torch::dtype(torch::kFloat64));
  theta = (theta / theta.norm(2, 0, true)).to(x.device());
  auto px = std::get<0>(x.matmul(theta).sort(0));
  auto py = std::get<0>(y.matmul(theta).sort(0));
  return std::sqrt((px - py).square().mean().item<double>());
}

}  // namespace pfgm::eval
