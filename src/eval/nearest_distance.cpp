#include "pfgm/eval/nearest_distance.h"

#include <algorithm>
#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::eval {

namespace {
constexpr int64_t kBlockRows = 1024;  // rows of X per distance block (a block is kBlockRows × m)

void check_points(const torch::Tensor& P, const char* what) {
  PFGM_CHECK(P.defined() && P.dim() == 2 && P.size(0) > 0, "[nearest distance] ", what,
             ": expected points [n, d] with n > 0, got ", P.defined() ? P.sizes() : at::IntArrayRef{});
}
}  // namespace

torch::Tensor nearest_distance(const torch::Tensor& X_in, const torch::Tensor& Y_in) {
  check_points(X_in, "samples");
  check_points(Y_in, "data");
  PFGM_CHECK(X_in.size(1) == Y_in.size(1), "[nearest distance] samples of dimension ", X_in.size(1), ", data of ",
             Y_in.size(1));
  const auto X = X_in.to(torch::kCPU, torch::kFloat64), Y = Y_in.to(torch::kCPU, torch::kFloat64);
  // Blocks of samples × blocks of data, so that a block stays small for a large data set.
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < X.size(0); i += kBlockRows) {
    const auto x = X.narrow(0, i, std::min(kBlockRows, X.size(0) - i));
    auto best = torch::full({x.size(0)}, INFINITY, torch::kFloat64);
    for (int64_t j = 0; j < Y.size(0); j += 4 * kBlockRows)
      best = torch::minimum(best, std::get<0>(at::cdist(x, Y.narrow(0, j, std::min(4 * kBlockRows, Y.size(0) - j))).min(1)));
    parts.push_back(best);
  }
  return torch::cat(parts);
}

double diameter(const torch::Tensor& Y_in) {
  check_points(Y_in, "data");
  const auto Y = Y_in.to(torch::kCPU, torch::kFloat64);
  double d = 0;
  for (int64_t i = 0; i < Y.size(0); i += kBlockRows)
    d = std::max(d, at::cdist(Y.narrow(0, i, std::min(kBlockRows, Y.size(0) - i)), Y).max().item<double>());
  return d;
}

}  // namespace pfgm::eval
