// Biased MMD^2 with a sum of five RBF kernels (bandwidths base * 2^j, base = mean pooled squared
// distance / 4), computed in float64 in row blocks to bound memory.
#include "pfgm/eval/mmd.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::eval {
namespace {

constexpr int kNumBandwidths = 5;

void check_points(const torch::Tensor& t, const char* name) {
  PFGM_CHECK(t.defined() && t.dim() == 2, "[mmd] ", name, ": got a tensor of rank ",
             t.defined() ? t.dim() : -1, ", expected [n, d]");
  PFGM_CHECK(t.size(0) > 0, "[mmd] ", name, ": got 0 points, expected at least 1");
}

// Rows of A per block, so a block's [rows, m, d] difference tensor stays near 2^24 elements.
int64_t block_rows(int64_t m, int64_t d) {
  return std::max<int64_t>(1, (int64_t{1} << 24) / std::max<int64_t>(1, m * d));
}

// Sum over all entries of the kernel matrix between A and B, computed block by block.
double kernel_sum(const torch::Tensor& A, const torch::Tensor& B, const std::vector<double>& bandwidths) {
  const int64_t rows = block_rows(B.size(0), B.size(1));
  double total = 0.0;
  for (int64_t start = 0; start < A.size(0); start += rows) {
    auto d2 = pairwise_sq_dists(A.slice(0, start, std::min(start + rows, A.size(0))), B);
    auto k = torch::zeros_like(d2);
    for (double bw : bandwidths) k += torch::exp(-d2 / bw);
    total += k.sum().item<double>();
  }
  return total;
}

double dist_sum(const torch::Tensor& A, const torch::Tensor& B) {
  const int64_t rows = block_rows(B.size(0), B.size(1));
  double total = 0.0;
  for (int64_t start = 0; start < A.size(0); start += rows)
    total += pairwise_sq_dists(A.slice(0, start, std::min(start + rows, A.size(0))), B).sum().item<double>();
  return total;
}

}  // namespace

torch::Tensor pairwise_sq_dists(const torch::Tensor& A, const torch::Tensor& B) {
  auto a = A.to(torch::kFloat64), b = B.to(a.device(), torch::kFloat64);
  return (a.unsqueeze(1) - b.unsqueeze(0)).square().sum(-1);
}

double mmd(const torch::Tensor& X, const torch::Tensor& Y) {
  check_points(X, "X");
  check_points(Y, "Y");
  PFGM_CHECK(X.size(1) == Y.size(1), "[mmd] Y: got dimension ", Y.size(1), ", expected ", X.size(1),
             " (the dimension of X)");
  auto x = X.to(torch::kFloat64).contiguous();
  auto y = Y.to(x.device(), torch::kFloat64).contiguous();
  const double n = static_cast<double>(x.size(0)), m = static_cast<double>(y.size(0));
  // Mean of the pooled (n+m)^2 distance matrix: D_XX, D_YY and D_XY twice (D_YX = D_XY^T).
  const double mean_d2 = (dist_sum(x, x) + dist_sum(y, y) + 2.0 * dist_sum(x, y)) / ((n + m) * (n + m));
  PFGM_CHECK(std::isfinite(mean_d2), "[mmd] points: got a non-finite mean distance, expected finite points");
  std::vector<double> bandwidths;
  const double base = mean_d2 > 0.0 ? mean_d2 / 4.0 : 1.0;  // all points equal: any bandwidth gives 0
  for (int j = 0; j < kNumBandwidths; ++j) bandwidths.push_back(base * std::ldexp(1.0, j));
  const double kxx = kernel_sum(x, x, bandwidths) / (n * n);
  const double kyy = kernel_sum(y, y, bandwidths) / (m * m);
  const double kxy = kernel_sum(x, y, bandwidths) / (n * m);
  return kxx + kyy - 2.0 * kxy;
}

}  // namespace pfgm::eval
