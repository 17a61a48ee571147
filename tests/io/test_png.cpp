// PNG output: grey and RGB images decode (with libpng) to exactly the pixels written; the uint8
// mapping is generate.py's clip(x·127.5 + 128, 0, 255) truncated; grids place every image.
// PNG input: decode_png(encode_png(x)) == x; alpha, palette and 16-bit convert as documented;
// truncated and corrupt files are one-line errors naming the file.
#include <gtest/gtest.h>
#include <png.h>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/io/pixels.h"
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
  at::manual_seed(0);
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

// Writes a PNG with libpng's simplified API (the formats encode_png never writes).
std::string write_simple(png_uint_32 format, int W, int H, const void* pixels, const void* colormap = nullptr,
                         int entries = 0) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = W;
  image.height = H;
  image.format = format;
  image.colormap_entries = entries;
  png_alloc_size_t size = 0;
  EXPECT_TRUE(png_image_write_to_memory(&image, nullptr, &size, 0, pixels, 0, colormap));
  std::string out(size, '\0');
  EXPECT_TRUE(png_image_write_to_memory(&image, out.data(), &size, 0, pixels, 0, colormap));
  out.resize(size);
  return out;
}

std::string decode_error(const std::string& bytes, const std::string& name) {
  try {
    pfgm::io::decode_png(bytes, name);
  } catch (const pfgm::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Png, DecodeOfEncodeIsIdentityGreyAndRgb) {
  at::manual_seed(1);
  for (int C : {1, 3})
    for (int level : {-1, 0}) {
      const auto img = torch::randint(0, 256, {C, 9, 6}, torch::kUInt8);
      const auto back = pfgm::io::decode_png(pfgm::io::encode_png(img, level), "x.png");
      ASSERT_EQ(back.sizes(), img.sizes()) << C;
      EXPECT_TRUE(torch::equal(back, img)) << C << " level " << level;
    }
}

TEST(Png, StoredLevelIsLargerThanDefault) {
  const auto img = torch::zeros({3, 32, 32}, torch::kUInt8);
  EXPECT_GT(pfgm::io::encode_png(img, 0).size(), 3u * 32 * 32);  // zlib level 0 stores the rows
  EXPECT_LT(pfgm::io::encode_png(img).size(), 3u * 32 * 32 / 4);
}

TEST(Png, AlphaPaletteAnd16BitConvert) {
  // RGBA → RGB: alpha dropped, colour kept.
  const unsigned char rgba[2 * 4] = {10, 20, 30, 0, 200, 100, 50, 255};
  auto t = pfgm::io::decode_png(write_simple(PNG_FORMAT_RGBA, 2, 1, rgba), "rgba.png");
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(t[0][0][0].item<int>(), 10);
  EXPECT_EQ(t[2][0][1].item<int>(), 50);
  // grey + alpha → grey.
  const unsigned char ga[2 * 2] = {77, 0, 155, 255};
  t = pfgm::io::decode_png(write_simple(PNG_FORMAT_GA, 2, 1, ga), "ga.png");
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{1, 1, 2}));
  EXPECT_EQ(t[0][0][0].item<int>(), 77);
  EXPECT_EQ(t[0][0][1].item<int>(), 155);
  // palette → RGB.
  const unsigned char colormap[2 * 3] = {1, 2, 3, 250, 251, 252};
  const unsigned char indices[3] = {1, 0, 1};
  t = pfgm::io::decode_png(write_simple(PNG_FORMAT_RGB_COLORMAP, 3, 1, indices, colormap, 2), "p.png");
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{3, 1, 3}));
  EXPECT_EQ(t[0][0][0].item<int>(), 250);
  EXPECT_EQ(t[2][0][1].item<int>(), 3);
  // 16-bit grey → 8-bit (the simplified API writes linear 16-bit; 0 and 65535 map to 0 and 255).
  const uint16_t grey16[2] = {0, 65535};
  t = pfgm::io::decode_png(write_simple(PNG_FORMAT_LINEAR_Y, 2, 1, grey16), "g16.png");
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{1, 1, 2}));
  EXPECT_EQ(t[0][0][0].item<int>(), 0);
  EXPECT_EQ(t[0][0][1].item<int>(), 255);
}

TEST(Png, TruncatedAndCorruptFilesNameTheFile) {
  const auto bytes = pfgm::io::encode_png(torch::full({3, 16, 16}, 7, torch::kUInt8), 0);
  for (size_t cut : {bytes.size() - 5, bytes.size() / 2, size_t{30}, size_t{4}, size_t{0}}) {
    const auto e = decode_error(bytes.substr(0, cut), "cut.png");
    EXPECT_NE(e.find("cut.png"), std::string::npos) << cut << ": " << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  EXPECT_NE(decode_error(bytes.substr(0, bytes.size() / 2), "cut.png").find("truncated"), std::string::npos);
  EXPECT_NE(decode_error("GIF89a not a png at all", "a.gif").find("not a PNG"), std::string::npos);
  auto flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x55;  // inside IDAT: CRC error
  EXPECT_NE(decode_error(flipped, "crc.png").find("crc.png"), std::string::npos);
}

}  // namespace
