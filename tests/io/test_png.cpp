// PNG output: grey and RGB images decode (with libpng) to exactly the pixels written; the uint8
// mapping is generate.py's clip(x·127.5 + 128, 0, 255) truncated; grids place every image.
#include <gtest/gtest.h>
#include <png.h>

#include <torch/torch.h>

#include "pfgm/io/png.h"

namespace {

torch::Tensor decode(const std::string& bytes, int channels) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  EXPECT_TRUE(png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()));
  image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  auto hwc = torch::empty({image.height, image.width, channels}, torch::kUInt8);
  EXPECT_TRUE(png_image_finish_read(&image, nullptr, hwc.data_ptr<uint8_t>(), 0, nullptr));
  return hwc.permute({2, 0, 1});
}

TEST(Png, GreyAndRgbDecodeToTheSamePixels) {
  torch::manual_seed(0);
  for (int C : {1, 3}) {
    const auto img = torch::randint(0, 256, {C, 7, 5}, torch::kUInt8);
    EXPECT_TRUE(torch::equal(decode(pfgm::io::encode_png(img), C), img)) << C;
  }
  EXPECT_THROW(pfgm::io::encode_png(torch::zeros({2, 4, 4}, torch::kUInt8)), std::exception);
}

TEST(Png, Uint8MappingAsGenerate) {
  const auto u = pfgm::io::to_uint8(torch::tensor({-2.0, -1.0, -0.004, 0.0, 0.5, 1.0}));
  EXPECT_EQ(u[0].item<int>(), 0);
  EXPECT_EQ(u[1].item<int>(), 0);    // −127.5 + 128 = 0.5 → 0
  EXPECT_EQ(u[2].item<int>(), 127);  // 127.49 → 127
  EXPECT_EQ(u[3].item<int>(), 128);
  EXPECT_EQ(u[4].item<int>(), 191);  // 191.75 → 191
  EXPECT_EQ(u[5].item<int>(), 255);
}

TEST(Png, GridHoldsEveryImage) {
  const auto imgs = torch::arange(5, torch::kUInt8).reshape({5, 1, 1, 1}).expand({5, 1, 3, 3}).contiguous();
  const auto g = pfgm::io::image_grid(imgs, 3);
  ASSERT_EQ(g.sizes(), (std::vector<int64_t>{1, 2 * 5 + 2, 3 * 5 + 2}));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(g[0][2 + (i / 3) * 5 + 1][2 + (i % 3) * 5 + 1].item<int>(), i);
}

}  // namespace
