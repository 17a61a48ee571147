// The outlier share: nearest-neighbour distances against brute force, and the threshold taken
// from the held-out images.
#include <gtest/gtest.h>

#include <torch/types.h>

#include "pfgm/eval/nearest_distance.h"
#include "pfgm/eval/outliers.h"

TEST(Outliers, NearestDistanceOverManyDataBlocksIsBruteForce) {
  at::manual_seed(3);
  const auto x = torch::randn({7, 2, 3, 3}), ref = torch::randn({5000, 2, 3, 3});
  const auto d = pfgm::eval::nearest_distance(x.flatten(1), ref.flatten(1));
  for (int64_t i = 0; i < 7; ++i) {
    const double brute = (ref.flatten(1) - x[i].flatten()).norm(2, {1}).min().item<double>();
    EXPECT_NEAR(d[i].item<double>(), brute, 1e-5) << i;
  }
}

TEST(Outliers, ShareAboveTheHeldOutMaximum) {
  // Training images: all black or all white; held-out: the same (distance 0); samples: one grey
  // image (an outlier) and three copies of training images.
  auto img = [](int v) { return torch::full({1, 1, 4, 4}, v, torch::kUInt8); };
  const auto train = torch::cat({img(0), img(255)}), heldout = torch::cat({img(0), img(255), img(0)});
  const auto samples = torch::cat({img(128), img(0), img(255), img(255)});
  const auto r = pfgm::eval::outlier_share(pfgm::eval::outlier_reference(train, heldout), samples);
  EXPECT_EQ(r.threshold, 0);
  EXPECT_DOUBLE_EQ(r.share, 0.25);
  EXPECT_NEAR(r.max_distance, 4 * (2 - 128 / 127.5), 1e-6);  // 16 pixels at 128/127.5 − 1, nearest white (+1)
}
