#include "pfgm/physics/data_scale.h"

#include <algorithm>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"

namespace pfgm::physics {

DataScale data_scale(const torch::Tensor& x_in, int64_t pair_samples, uint64_t seed) {
  PFGM_CHECK(x_in.dim() >= 2 && x_in.size(0) >= 2, "[data] expected at least two samples");
  const auto x = x_in.flatten(1).to(torch::kFloat64);
  DataScale s;
  s.count = x.size(0);
  s.N = x.size(1);
  const auto sq = x.square().sum(1), norm = sq.sqrt();
  s.mean_sq_norm = sq.mean().item<double>();
  s.mean_norm = norm.mean().item<double>();
  s.std_norm = norm.std().item<double>();
  s.max_norm = norm.max().item<double>();
  s.sigma_data = x.std().item<double>();
  s.pair_samples = std::min(pair_samples, s.count);
  auto gen = core::make_generator(seed);
  const auto pick = at::randperm(s.count, gen).narrow(0, 0, s.pair_samples);
  const auto y = x.index_select(0, pick);
  const auto y2 = y.square().sum(1);
  double best = 0;
  for (int64_t start = 0; start < s.pair_samples; start += 1024) {  // ‖a − b‖² = ‖a‖² + ‖b‖² − 2ab by blocks
    const int64_t n = std::min<int64_t>(1024, s.pair_samples - start);
    const auto d2 = y2.narrow(0, start, n).unsqueeze(1) + y2.unsqueeze(0) - 2 * torch::mm(y.narrow(0, start, n), y.t());
    best = std::max(best, d2.max().item<double>());
  }
  s.max_pairwise = std::sqrt(std::max(best, 0.0));
  return s;
}

}  // namespace pfgm::physics
