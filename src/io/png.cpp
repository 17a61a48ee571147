#include "pfgm/io/png.h"

#include <png.h>

#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include <torch/types.h>

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

// Decoding. libpng reports errors by longjmp to the setjmp in read_header / read_rows, so those
// two functions and the callbacks hold plain data only (no C++ destructor may be skipped); the
// message is kept in ReadState and decode_png throws it once libpng has returned.
struct ReadState {
  const unsigned char* data;
  size_t size, pos;
  char message[256];
};

void read_bytes(png_structp png, png_bytep dst, png_size_t n) {
  auto* s = static_cast<ReadState*>(png_get_io_ptr(png));
  if (n > s->size - s->pos) png_error(png, "the file ends early (truncated?)");
  std::memcpy(dst, s->data + s->pos, n);
  s->pos += n;
}

void on_read_error(png_structp png, png_const_charp message) {
  auto* s = static_cast<ReadState*>(png_get_error_ptr(png));
  std::snprintf(s->message, sizeof s->message, "%s", message);
  png_longjmp(png, 1);
}

// Reads the header and asks for 8-bit grey or RGB rows; false on a libpng error.
bool read_header(png_structp png, png_infop info, png_uint_32* width, png_uint_32* height, int* channels,
                 size_t* rowbytes) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_info(png, info);
  png_set_palette_to_rgb(png);            // palette → RGB (transparency ignored)
  png_set_expand_gray_1_2_4_to_8(png);    // 1/2/4-bit grey → 8-bit
  png_set_strip_16(png);                  // 16-bit → 8-bit
  png_set_strip_alpha(png);               // grey+alpha → grey, RGBA → RGB
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  *width = png_get_image_width(png, info);
  *height = png_get_image_height(png, info);
  *channels = png_get_channels(png, info);
  *rowbytes = png_get_rowbytes(png, info);
  return true;
}

// Reads every row (and the chunks up to IEND, so a truncated end is noticed); false on an error.
bool read_rows(png_structp png, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  png_read_end(png, nullptr);
  return true;
}

struct ReadGuard {
  png_structp png;
  png_infop info;
  ~ReadGuard() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};
}  // namespace

torch::Tensor decode_png(const std::string& bytes, const std::string& name) {
  ReadState state{reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), 0, {0}};
  ReadGuard g{png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_read_error, on_warning), nullptr};
  PFGM_CHECK(g.png, "[png] ", name, ": cannot create a reader");
  g.info = png_create_info_struct(g.png);
  PFGM_CHECK(g.info, "[png] ", name, ": cannot create a reader");
  png_set_read_fn(g.png, &state, read_bytes);
  png_uint_32 W = 0, H = 0;
  int C = 0;
  size_t rowbytes = 0;
  PFGM_CHECK(read_header(g.png, g.info, &W, &H, &C, &rowbytes), "[png] ", name, ": ", state.message,
             " (not a PNG file, or a corrupt one)");
  PFGM_CHECK(C == 1 || C == 3, "[png] ", name, ": ", C, " channels after conversion, expected 1 or 3");
  PFGM_CHECK(uint64_t{W} * H * C <= (uint64_t{1} << 28), "[png] ", name, ": ", W, "x", H,
             " is too large (at most 256 MiB of pixels)");
  PFGM_CHECK(rowbytes == size_t{W} * C, "[png] ", name, ": rows of ", rowbytes, " bytes, expected ", W * C);
  auto hwc = torch::empty({H, W, C}, torch::kUInt8);
  std::vector<png_bytep> rows(H);
  for (png_uint_32 y = 0; y < H; ++y) rows[y] = hwc.data_ptr<uint8_t>() + size_t{y} * rowbytes;
  PFGM_CHECK(read_rows(g.png, rows.data()), "[png] ", name, ": ", state.message, " (truncated or corrupt file)");
  return hwc.permute({2, 0, 1}).contiguous();
}

std::string encode_png(const torch::Tensor& image_in, int level) {
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
    if (level >= 0) png_set_compression_level(png, level);
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

}  // namespace pfgm::io
