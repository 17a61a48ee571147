#include "pfgm/eval/kid.h"

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"

namespace pfgm::eval {

double kernel_inception_distance(const torch::Tensor& real, const torch::Tensor& gen, const KIDOptions& o) {
  PFGM_CHECK(real.dim() == 2 && gen.dim() == 2 && real.size(1) == gen.size(1), "[kid] features: got ", real.sizes(),
             " and ", gen.sizes(), ", expected [n, F] and [m, F]");
  PFGM_CHECK(o.num_subsets > 0 && o.max_subset_size > 1, "[kid] expected num_subsets > 0 and max_subset_size > 1");
  const auto Y = real.to(torch::kCPU, torch::kFloat64), X = gen.to(torch::kCPU, torch::kFloat64);
  const double F = static_cast<double>(X.size(1));
  const int64_t m = std::min({X.size(0), Y.size(0), o.max_subset_size});
  PFGM_CHECK(m >= 2, "[kid] needs at least 2 feature rows in each set, got ", X.size(0), " and ", Y.size(0));
  auto gen_rng = core::make_generator(o.seed);
  auto k = [F](const torch::Tensor& a, const torch::Tensor& b) { return (torch::mm(a, b.t()) / F + 1).pow(3); };
  double t = 0;
  for (int64_t s = 0; s < o.num_subsets; ++s) {
    const auto x = X.index_select(0, torch::randperm(X.size(0), gen_rng, torch::kLong).narrow(0, 0, m));
    const auto y = Y.index_select(0, torch::randperm(Y.size(0), gen_rng, torch::kLong).narrow(0, 0, m));
    const auto a = k(x, x) + k(y, y);
    const auto b = k(x, y);
    // Off-diagonal means of k(x,x') + k(y,y'), minus twice the mean of k(x,y).
    t += ((a.sum() - a.diagonal().sum()) / double(m - 1) - b.sum() * 2.0 / double(m)).item<double>();
  }
  return t / double(o.num_subsets) / double(m);
}

}  // namespace pfgm::eval
