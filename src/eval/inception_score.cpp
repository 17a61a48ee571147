#include "pfgm/eval/inception_score.h"

#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::eval {

InceptionScore inception_score(const torch::Tensor& probs, int64_t num_splits) {
  PFGM_CHECK(probs.dim() == 2, "[is] class probabilities: expected [n, classes], got ", probs.sizes());
  PFGM_CHECK(num_splits > 0 && probs.size(0) >= num_splits, "[is] ", probs.size(0), " samples for ", num_splits,
             " splits, expected at least one sample per split");
  const auto p = probs.to(torch::kCPU, torch::kFloat64);
  const int64_t n = p.size(0);
  std::vector<double> scores;
  for (int64_t i = 0; i < num_splits; ++i) {
    const int64_t begin = i * n / num_splits, end = (i + 1) * n / num_splits;
    const auto part = p.narrow(0, begin, end - begin);
    const auto p_y = part.mean(0, true);                                       // p(y) over the part
    // E_x KL(p(y|x) ‖ p(y)), with 0·log 0 = 0 for classes a sample gives no probability.
    const auto kl = (torch::xlogy(part, part) - torch::xlogy(part, p_y.expand_as(part))).sum(1).mean().item<double>();
    scores.push_back(std::exp(kl));
  }
  InceptionScore s;
  for (double v : scores) s.mean += v / double(num_splits);
  for (double v : scores) s.std += (v - s.mean) * (v - s.mean) / double(num_splits);
  s.std = std::sqrt(s.std);
  return s;
}

}  // namespace pfgm::eval
