// dataset_tool.py's transforms: the Lanczos resize keeps constants constant and averages a
// checkerboard on downscale; centre crops give the requested sizes and letterbox as the official tool.
#include <gtest/gtest.h>

#include <torch/types.h>

#include "data/dataset_fixtures.h"
#include "pfgm/data/image_transform.h"

namespace {

using namespace pfgm::data;

TEST(ImageTransform, ResizeKeepsConstants) {
  for (int v : {0, 1, 128, 254, 255})
    for (auto [w, h] : std::vector<std::pair<int, int>>{{8, 8}, {5, 13}, {40, 24}}) {
      const auto out = resize_lanczos(torch::full({3, 17, 23}, v, torch::kUInt8), w, h);
      ASSERT_EQ(out.sizes(), (std::vector<int64_t>{3, h, w}));
      EXPECT_EQ(out.min().item<int>(), v) << v << " " << w << "x" << h;
      EXPECT_EQ(out.max().item<int>(), v) << v << " " << w << "x" << h;
    }
}

TEST(ImageTransform, DownscaleAveragesAndIdentityIsExact) {
  // A 0/255 checkerboard halved: the widened filter averages it to mid grey away from the border.
  const auto y = torch::arange(32).unsqueeze(1), x = torch::arange(32).unsqueeze(0);
  const auto board = ((x + y) % 2 * 255).to(torch::kUInt8).unsqueeze(0);  // 1×32×32
  const auto half = resize_lanczos(board, 16, 16).to(torch::kInt32);
  const auto inner = half.slice(1, 4, 12).slice(2, 4, 12);
  EXPECT_LE((inner - 127).abs().max().item<int>(), 2) << inner;
  const auto img = fixtures::pattern(3, 3, 9, 7);
  EXPECT_TRUE(torch::equal(resize_lanczos(img, 7, 9), img));
}

TEST(ImageTransform, UpscaleInterpolatesARamp) {
  // Doubling a horizontal ramp 0, 20, 40, …: interior outputs lie between their neighbours.
  const auto ramp = (torch::arange(12) * 20).to(torch::kUInt8).reshape({1, 1, 12});
  const auto up = resize_lanczos(ramp, 24, 1).to(torch::kInt32).flatten();
  for (int x = 6; x < 18; ++x) {
    EXPECT_LE(up[x].item<int>(), up[x + 1].item<int>()) << up;
    EXPECT_NEAR(up[x].item<double>(), 20.0 * ((x + 0.5) / 2 - 0.5), 2.0) << x << " " << up;
  }
}

TEST(ImageTransform, CenterCropSizesAndRgb) {
  const auto grey = fixtures::pattern(1, 1, 30, 50);
  const auto out = center_crop(grey, 16, 16);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{3, 16, 16}));
  EXPECT_TRUE(torch::equal(out[0], out[2]));
  // No resize needed: exactly the central square.
  const auto sq = center_crop(fixtures::pattern(2, 3, 6, 10), 6, 6);
  EXPECT_TRUE(torch::equal(sq, fixtures::pattern(2, 3, 6, 10).slice(2, 2, 8)));
}

TEST(ImageTransform, CenterCropWideLetterboxes) {
  // 40 wide × 20 high → 16x8: rows cropped to round(16·20/40) = 8·… then resized, middle of a 16×16 canvas.
  const auto img = torch::full({3, 20, 40}, 200, torch::kUInt8);
  const auto out = center_crop_wide(img, 16, 8);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{3, 16, 16}));
  EXPECT_EQ(out.slice(1, 0, 4).max().item<int>(), 0);
  EXPECT_EQ(out.slice(1, 12, 16).max().item<int>(), 0);
  EXPECT_EQ(out.slice(1, 4, 12).min().item<int>(), 200);
  EXPECT_FALSE(center_crop_wide(img, 64, 32).defined());  // narrower than the target: skipped
}

TEST(ImageTransform, ParseTransform) {
  EXPECT_EQ(parse_transform("center-crop"), Transform::CenterCrop);
  EXPECT_EQ(parse_transform("center-crop-wide"), Transform::CenterCropWide);
  EXPECT_EQ(parse_transform(""), Transform::None);
  const auto e = fixtures::error_of([] { parse_transform("crop"); });
  EXPECT_NE(e.find("[transform] got crop"), std::string::npos) << e;
}

}  // namespace
