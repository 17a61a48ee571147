// Tests of the built-in 2-D toy distributions: shape, finiteness, seed reproducibility, unit-ish
// scale, checkerboard squares and the unknown-name error.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/data/toy2d.h"

using namespace pfgm;

TEST(Toy2d, EveryDistributionIsFiniteReproducibleAndUnitScale) {
  ASSERT_EQ(data::toy2d_names().size(), 6u);
  for (const auto& name : data::toy2d_names()) {
    SCOPED_TRACE(name);
    auto g1 = core::make_generator(11), g2 = core::make_generator(11), g3 = core::make_generator(12);
    auto a = data::sample_toy2d(name, 4000, g1);
    ASSERT_EQ(a.sizes(), (std::vector<int64_t>{4000, 2}));
    EXPECT_EQ(a.scalar_type(), torch::kFloat64);
    EXPECT_TRUE(torch::isfinite(a).all().item<bool>());
    EXPECT_TRUE(torch::equal(a, data::sample_toy2d(name, 4000, g2)));
    EXPECT_FALSE(torch::equal(a, data::sample_toy2d(name, 4000, g3)));
    auto std = a.std(0), mean = a.mean(0);
    for (int k = 0; k < 2; ++k) {
      EXPECT_GE(std[k].item<double>(), 0.5);
      EXPECT_LE(std[k].item<double>(), 2.0);
      EXPECT_LT(std::abs(mean[k].item<double>()), 0.3);
    }
    EXPECT_EQ(data::sample_toy2d(name, 0, g1).sizes(), (std::vector<int64_t>{0, 2}));
  }
}

TEST(Toy2d, CheckerboardPointsLieInFilledSquares) {
  auto gen = core::make_generator(5);
  auto p = data::sample_toy2d("checkerboard", 5000, gen);
  const double h = data::kCheckerHalfWidth, side = h / 2;
  auto a = p.accessor<double, 2>();
  int counts[4][4] = {};
  for (int64_t r = 0; r < p.size(0); ++r) {
    ASSERT_LE(std::abs(a[r][0]), h);
    ASSERT_LE(std::abs(a[r][1]), h);
    const int i = std::min(3, static_cast<int>(std::floor((a[r][0] + h) / side)));
    const int j = std::min(3, static_cast<int>(std::floor((a[r][1] + h) / side)));
    ASSERT_EQ((i + j) % 2, 0) << "point (" << a[r][0] << ", " << a[r][1] << ")";
    ++counts[i][j];
  }
  for (int i = 0; i < 4; ++i)
    for (int j = (i % 2); j < 4; j += 2) EXPECT_GT(counts[i][j], 400);  // 625 expected per square
}

TEST(Toy2d, UnknownNameListsValidNames) {
  auto gen = core::make_generator(0);
  try {
    data::sample_toy2d("spiral", 10, gen);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("[data]", 0), 0u) << msg;
    for (const auto& name : data::toy2d_names()) EXPECT_NE(msg.find(name), std::string::npos) << msg;
    EXPECT_NE(msg.find("spiral"), std::string::npos) << msg;
  }
}
