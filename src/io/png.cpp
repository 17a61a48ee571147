#include "pfgm/io/png.h"

#include <png.h>

#include <cmath>

#include <torch/torch.h>

#include "pfgm/core/error.h"
#include "pfgm/io/atomic_file.h"

namespace pfgm::io {

namespace {
void append(png_structp png, png_bytep data, png_size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), n);
}
void flush(png_structp) {}
[[noreturn]] void on_error(png_structp, png_const_charp message) { throw Error(std::string("[png] ") + message); }
void on_warning(png_structp, png_const_charp) {}
}  // namespace

std::string encode_png(const torch::Tensor& image_in) {
  PFGM_CHECK(image_in.dim() == 3 && (image_in.size(0) == 1 || image_in.size(0) == 3) &&
                 image_in.scalar_type() == torch::kUInt8,
             "[png] expected a uint8 image [1 or 3, H, W], got ", image_in.scalar_type(), image_in.sizes());
  const auto hwc = image_in.permute({1, 2, 0}).contiguous().cpu();
  const int64_t H = hwc.size(0), W = hwc.size(1), C = hwc.size(2);
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, on_error, on_warning);
  PFGM_CHECK(png, "[png] cannot create a writer");
  png_infop info = png_create_info_struct(png);
  try {
    PFGM_CHECK(info, "[png] cannot create a writer");
    png_set_write_fn(png, &out, append, flush);
    png_set_IHDR(png, info, static_cast<png_uint_32>(W), static_cast<png_uint_32>(H), 8,
                 C == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    const auto* data = hwc.data_ptr<uint8_t>();
    for (int64_t y = 0; y < H; ++y) png_write_row(png, const_cast<png_bytep>(data + y * W * C));
    png_write_end(png, nullptr);
  } catch (...) {
    png_destroy_write_struct(&png, &info);
    throw;
  }
  png_destroy_write_struct(&png, &info);
  return out;
}

void write_png(const std::string& path, const torch::Tensor& image) {
  const auto bytes = encode_png(image);
  write_atomically(path, [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

torch::Tensor image_grid(const torch::Tensor& images, int64_t columns) {
  PFGM_CHECK(images.dim() == 4 && images.size(0) > 0, "[png] grid: expected images [B, C, H, W]");
  const int64_t B = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3), gap = 2;
  if (columns <= 0) columns = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(B))));
  const int64_t rows = (B + columns - 1) / columns;
  auto grid = torch::full({C, rows * (H + gap) + gap, columns * (W + gap) + gap}, 255, torch::kUInt8);
  using torch::indexing::Slice;
  for (int64_t i = 0; i < B; ++i) {
    const int64_t r = i / columns, c = i % columns;
    grid.index_put_({Slice(), Slice(gap + r * (H + gap), gap + r * (H + gap) + H),
                     Slice(gap + c * (W + gap), gap + c * (W + gap) + W)},
                    images[i].to(torch::kCPU, torch::kUInt8));
  }
  return grid;
}

torch::Tensor to_uint8(const torch::Tensor& x) {
  return (x.to(torch::kFloat32) * 127.5 + 128).clamp(0, 255).to(torch::kUInt8);
}

}  // namespace pfgm::io
