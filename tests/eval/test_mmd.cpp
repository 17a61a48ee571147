// Tests of the multi-bandwidth RBF MMD^2 estimator against a brute-force double loop.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/eval/mmd.h"

using namespace pfgm;

namespace {
double brute_mmd(const torch::Tensor& X, const torch::Tensor& Y) {
  auto Z = torch::cat({X, Y}).to(torch::kFloat64);
  const int64_t n = X.size(0), m = Y.size(0), N = n + m, d = X.size(1);
  auto z = Z.accessor<double, 2>();
  auto d2 = [&](int64_t i, int64_t j) {
    double s = 0;
    for (int64_t k = 0; k < d; ++k) s += (z[i][k] - z[j][k]) * (z[i][k] - z[j][k]);
    return s;
  };
  double mean = 0;
  for (int64_t i = 0; i < N; ++i)
    for (int64_t j = 0; j < N; ++j) mean += d2(i, j) / (N * N);
  auto kern = [&](int64_t i, int64_t j) {
    double s = 0;
    for (int p = 0; p < 5; ++p) s += std::exp(-d2(i, j) / (mean / 4 * std::pow(2.0, p)));
    return s;
  };
  double kxx = 0, kyy = 0, kxy = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) kxx += kern(i, j) / (n * n);
  for (int64_t i = n; i < N; ++i)
    for (int64_t j = n; j < N; ++j) kyy += kern(i, j) / (m * m);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = n; j < N; ++j) kxy += kern(i, j) / (n * m);
  return kxx + kyy - 2 * kxy;
}
}  // namespace

TEST(Mmd, IdenticalSetsGiveExactlyZero) {
  auto gen = core::make_generator(1);
  auto X = at::randn({300, 3}, gen, torch::kFloat64);
  EXPECT_EQ(eval::mmd(X, X), 0.0);
  EXPECT_EQ(eval::mmd(X.to(torch::kFloat32), X.to(torch::kFloat32)), 0.0);
}

TEST(Mmd, PositiveForDifferentSetsAndSymmetric) {
  auto gen = core::make_generator(2);
  auto X = at::randn({200, 2}, gen, torch::kFloat64);
  auto Y = at::randn({150, 2}, gen, torch::kFloat64) + 1.0;
  auto Xs = at::randn({200, 2}, gen, torch::kFloat64);
  const double far = eval::mmd(X, Y), near = eval::mmd(X, Xs);
  EXPECT_GT(far, 0.0);
  EXPECT_GT(far, 10 * std::abs(near));
  EXPECT_NEAR(eval::mmd(Y, X), far, 1e-12);
}

TEST(Mmd, MatchesBruteForce) {
  auto gen = core::make_generator(3);
  auto X = at::randn({6, 3}, gen, torch::kFloat64);
  auto Y = at::randn({9, 3}, gen, torch::kFloat64) * 1.5 + 0.3;
  EXPECT_NEAR(eval::mmd(X, Y), brute_mmd(X, Y), 1e-12);
}

TEST(Mmd, RejectsBadShapes) {
  EXPECT_THROW(eval::mmd(torch::zeros({4, 2}), torch::zeros({4, 3})), Error);
  EXPECT_THROW(eval::mmd(torch::zeros({4}), torch::zeros({4, 1})), Error);
  EXPECT_THROW(eval::mmd(torch::zeros({0, 2}), torch::zeros({4, 2})), Error);
}
