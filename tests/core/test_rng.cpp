#include <gtest/gtest.h>
#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"

using namespace pfgm;

TEST(SeedStreams, DrawsDependOnlyOnTheSeed) {
  core::SeedStreams a({3, 7, 11});
  core::SeedStreams b({11});
  auto xa = a.randn({5}, torch::kFloat64);
  auto xb = b.randn({5}, torch::kFloat64);
  EXPECT_TRUE(torch::equal(xa[2], xb[0]));
  EXPECT_FALSE(torch::equal(xa[0], xa[1]));
}

TEST(ParseSeeds, ListsAndRanges) {
  EXPECT_EQ(core::parse_seeds("0-3,9"), (std::vector<int64_t>{0, 1, 2, 3, 9}));
  EXPECT_THROW(core::parse_seeds("a-3"), Error);
  EXPECT_THROW(core::parse_seeds("5-2"), Error);
  EXPECT_THROW(core::parse_seeds("1,,2"), Error);
}

TEST(SeedStreams, StreamsOfOneSeedAreIndependent) {
  // Stream 0 (the prior) and stream 1 (a sampler's noise) of the same seed draw different numbers;
  // stream 0 is the plain seed's generator.
  core::SeedStreams prior({42}), noise({42}, 1);
  const auto a = prior.randn({64}, torch::kFloat64), b = noise.randn({64}, torch::kFloat64);
  EXPECT_GT((a - b).abs().max().item<double>(), 0.1);
  auto g = core::make_generator(42);
  EXPECT_TRUE(a[0].equal(at::randn({64}, g, torch::kFloat64)));
}
