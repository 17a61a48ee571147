// Tests of the sliced Wasserstein-2 distance: zero on identical sets, exact on 1-D shifts, bounded
// by the shift norm in higher dimensions, reproducible for a seed.
#include <gtest/gtest.h>
#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/eval/sliced_wasserstein.h"

using namespace pfgm;

TEST(SlicedWasserstein, ZeroForIdenticalSets) {
  auto gen = core::make_generator(1);
  auto X = at::randn({100, 4}, gen, torch::kFloat64);
  auto perm = at::randperm(100, gen, torch::kLong);
  EXPECT_EQ(eval::sliced_wasserstein(X, X, 50, gen), 0.0);
  EXPECT_NEAR(eval::sliced_wasserstein(X, X.index_select(0, perm), 50, gen), 0.0, 1e-12);
}

TEST(SlicedWasserstein, OneDimensionalShiftIsExact) {
  auto gen = core::make_generator(2);
  auto X = at::randn({100, 1}, gen, torch::kFloat64);
  EXPECT_NEAR(eval::sliced_wasserstein(X, X + 0.7, 10, gen), 0.7, 1e-12);
}

TEST(SlicedWasserstein, ShiftIsBoundedByItsNorm) {
  auto gen = core::make_generator(3);
  auto X = at::randn({200, 3}, gen, torch::kFloat64);
  auto shift = torch::tensor({0.6, -0.8, 0.0}, torch::kFloat64);
  const double sw = eval::sliced_wasserstein(X, X + shift, 200, gen);
  EXPECT_GT(sw, 0.2);
  EXPECT_LE(sw, 1.0 + 1e-12);
  // E[(v.theta)^2] = |v|^2 / d for uniform theta.
  EXPECT_NEAR(sw, std::sqrt(1.0 / 3.0), 0.1);
}

TEST(SlicedWasserstein, ReproducibleForASeed) {
  auto g0 = core::make_generator(4);
  auto X = at::randn({50, 2}, g0, torch::kFloat64);
  auto Y = at::randn({50, 2}, g0, torch::kFloat64);
  auto g1 = core::make_generator(5), g2 = core::make_generator(5);
  EXPECT_EQ(eval::sliced_wasserstein(X, Y, 16, g1), eval::sliced_wasserstein(X, Y, 16, g2));
  EXPECT_THROW(eval::sliced_wasserstein(X, Y.slice(0, 0, 10), 16, g1), Error);
  EXPECT_THROW(eval::sliced_wasserstein(X, Y, 0, g1), Error);
}
