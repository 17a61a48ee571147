// Tests of the nearest-data distance and the diameter: exact on small hand-made sets, unchanged by
// the block size (more rows than one block), and bad shapes rejected with a message.
#include <gtest/gtest.h>
#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/eval/nearest_distance.h"

using namespace pfgm;

TEST(NearestDistance, ExactOnASquare) {
  const auto Y = torch::tensor({0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0}, torch::kFloat64).reshape({4, 2});
  const auto X = torch::tensor({0.5, 0.5, 3.0, 0.0, 1.0, 1.0}, torch::kFloat64).reshape({3, 2});
  const auto d = eval::nearest_distance(X, Y);
  ASSERT_EQ(d.size(0), 3);
  EXPECT_NEAR(d[0].item<double>(), std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(d[1].item<double>(), 2.0, 1e-12);
  EXPECT_NEAR(d[2].item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(eval::diameter(Y), std::sqrt(2.0), 1e-12);
}

TEST(NearestDistance, BlocksGiveTheDirectResult) {
  auto gen = core::make_generator(5);
  const auto Y = at::randn({2500, 2}, gen, torch::kFloat64);
  const auto X = at::randn({3000, 2}, gen, torch::kFloat64) * 3;
  const auto direct = std::get<0>(at::cdist(X, Y).min(1));
  EXPECT_TRUE(torch::allclose(eval::nearest_distance(X, Y), direct, 0, 1e-12));
  EXPECT_NEAR(eval::diameter(Y), at::cdist(Y, Y).max().item<double>(), 1e-12);
  // A sample placed one diameter beyond the farthest data point along its direction.
  const auto far = Y[Y.norm(2, {1}).argmax()] * (1 + eval::diameter(Y) / Y.norm(2, {1}).max());
  EXPECT_GE(eval::nearest_distance(far.unsqueeze(0), Y).item<double>(), eval::diameter(Y) - 1e-9);
}

TEST(NearestDistance, RejectsBadShapes) {
  const auto Y = torch::zeros({4, 2}, torch::kFloat64);
  try {
    eval::nearest_distance(torch::zeros({3, 3}, torch::kFloat64), Y);
    FAIL() << "expected pfgm::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("samples of dimension 3, data of 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(eval::diameter(torch::zeros({0, 2}, torch::kFloat64)), Error);
  EXPECT_THROW(eval::nearest_distance(torch::zeros({3}, torch::kFloat64), Y), Error);
}
