// The data's scale on points whose statistics are known by hand.
#include <gtest/gtest.h>

#include <cmath>

#include <torch/types.h>

#include "pfgm/physics/data_scale.h"

TEST(DataScale, NormsAndLargestPairwiseDistance) {
  // Three points of R^2: (0,0), (3,4), (−3,4): norms 0, 5, 5; the farthest pair is 6 apart.
  const auto x = torch::tensor({{0.0, 0.0}, {3.0, 4.0}, {-3.0, 4.0}});
  const auto s = pfgm::physics::data_scale(x);
  EXPECT_EQ(s.N, 2);
  EXPECT_EQ(s.count, 3);
  EXPECT_DOUBLE_EQ(s.mean_sq_norm, 50.0 / 3);
  EXPECT_DOUBLE_EQ(s.mean_norm, 10.0 / 3);
  EXPECT_DOUBLE_EQ(s.max_norm, 5);
  EXPECT_NEAR(s.max_pairwise, 6, 1e-12);
  EXPECT_EQ(s.pair_samples, 3);
  // Many points on a segment: the pairwise maximum over a subset is at most the true one (2).
  const auto line = torch::linspace(-1, 1, 3001).unsqueeze(1);
  const auto t = pfgm::physics::data_scale(line, 100, 4);
  EXPECT_EQ(t.pair_samples, 100);
  EXPECT_LE(t.max_pairwise, 2 + 1e-12);
  EXPECT_GT(t.max_pairwise, 1.8);
}
