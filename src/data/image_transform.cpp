#include "pfgm/data/image_transform.h"

#include <algorithm>
#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::data {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kLanczosA = 3.0;  // PIL's LANCZOS support

double sinc(double x) { return x == 0.0 ? 1.0 : std::sin(kPi * x) / (kPi * x); }
double lanczos(double x) { return std::abs(x) < kLanczosA ? sinc(x) * sinc(x / kLanczosA) : 0.0; }

// Weights [out, in] of a 1-D resize as PIL's precompute_coeffs (Resample.c).
torch::Tensor lanczos_weights(int64_t in, int64_t out) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double filterscale = std::max(scale, 1.0);  // widen the filter when downscaling
  const double support = kLanczosA * filterscale;
  auto w = torch::zeros({out, in}, torch::kFloat64);
  auto a = w.accessor<double, 2>();
  for (int64_t o = 0; o < out; ++o) {
    const double center = (static_cast<double>(o) + 0.5) * scale;
    const int64_t lo = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
    const int64_t hi = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in);
    double sum = 0.0;
    for (int64_t i = lo; i < hi; ++i) sum += a[o][i] = lanczos((static_cast<double>(i) - center + 0.5) / filterscale);
    if (sum != 0.0)
      for (int64_t i = lo; i < hi; ++i) a[o][i] /= sum;
  }
  return w;
}

// Round half up and clip to [0, 255], as PIL's clip8 after each pass.
torch::Tensor to_uint8_exact(const torch::Tensor& x) { return torch::floor(x + 0.5).clamp(0, 255); }

torch::Tensor to_rgb(const torch::Tensor& image) { return image.size(0) == 1 ? image.expand({3, -1, -1}) : image; }

void check_image(const torch::Tensor& image, const char* where) {
  PFGM_CHECK(image.dim() == 3 && image.scalar_type() == torch::kUInt8 && image.size(1) > 0 && image.size(2) > 0,
             "[", where, "] expected a uint8 image [C, H, W], got ", image.scalar_type(), image.sizes());
}
}  // namespace

Transform parse_transform(const std::string& name) {
  if (name.empty() || name == "none") return Transform::None;
  if (name == "center-crop") return Transform::CenterCrop;
  if (name == "center-crop-wide") return Transform::CenterCropWide;
  throw Error("[transform] got " + name + ", expected center-crop or center-crop-wide");
}

std::string to_string(Transform t) {
  switch (t) {
    case Transform::CenterCrop: return "center-crop";
    case Transform::CenterCropWide: return "center-crop-wide";
    default: return "none";
  }
}

torch::Tensor resize_lanczos(const torch::Tensor& image, int64_t width, int64_t height) {
  check_image(image, "resize");
  PFGM_CHECK(width > 0 && height > 0, "[resize] target ", width, "x", height, ", expected positive sizes");
  const int64_t H = image.size(1), W = image.size(2);
  if (W == width && H == height) return image;
  auto x = image.to(torch::kFloat64);
  if (W != width) x = to_uint8_exact(torch::matmul(x, lanczos_weights(W, width).t()));  // horizontal pass
  if (H != height) x = to_uint8_exact(torch::matmul(lanczos_weights(H, height), x));    // vertical pass
  return x.to(torch::kUInt8).contiguous();
}

torch::Tensor center_crop(const torch::Tensor& image, int64_t width, int64_t height) {
  check_image(image, "center-crop");
  const int64_t H = image.size(1), W = image.size(2), crop = std::min(H, W);
  const auto square = image.slice(1, (H - crop) / 2, (H - crop) / 2 + crop).slice(2, (W - crop) / 2, (W - crop) / 2 + crop);
  return resize_lanczos(to_rgb(square), width, height);
}

torch::Tensor center_crop_wide(const torch::Tensor& image, int64_t width, int64_t height) {
  check_image(image, "center-crop-wide");
  PFGM_CHECK(height <= width, "[transform] center-crop-wide needs a resolution no taller than wide, got ", width,
             "x", height);
  const int64_t H = image.size(1), W = image.size(2);
  const auto ch = static_cast<int64_t>(std::nearbyint(static_cast<double>(width) * H / W));  // np.round: half to even
  if (W < width || ch < height) return {};
  const auto rows = image.slice(1, (H - ch) / 2, (H - ch) / 2 + ch);
  const auto resized = resize_lanczos(to_rgb(rows), width, height);
  auto canvas = torch::zeros({3, width, width}, torch::kUInt8);
  canvas.slice(1, (width - height) / 2, (width - height) / 2 + height).copy_(resized);
  return canvas;
}

torch::Tensor transform_image(const torch::Tensor& image, Transform t, int64_t width, int64_t height) {
  if (t != Transform::None)
    PFGM_CHECK(width > 0 && height > 0, "[transform] ", to_string(t), " needs --resolution WxH");
  switch (t) {
    case Transform::CenterCrop: return center_crop(image, width, height);
    case Transform::CenterCropWide: return center_crop_wide(image, width, height);
    default: return resize_lanczos(image, width > 0 ? width : image.size(2), height > 0 ? height : image.size(1));
  }
}

}  // namespace pfgm::data
