// EDM training/augment.py AugmentPipe in train.py's configuration (spec 5.5): pixel blitting
// (xflip, yflip), then one composed geometric transform (scale, rotate_frac, aniso, translate_frac)
// executed with sym6 wavelet 2× supersampling, as in StyleGAN2-ADA (Karras et al. 2020, Appendix B).
#include "pfgm/training/augment_pipe.h"

#include <array>
#include <cmath>
#include <vector>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::training {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Symlet-6 decomposition low-pass filter (the published coefficients, augment.py's wavelets['sym6']):
// Σh = √2, Σh² = 1, six vanishing moments of the matching high-pass.
constexpr std::array<double, 12> kSym6 = {
    0.015404109327027373, 0.0034907120842174702, -0.11799011114819057, -0.048311742585633,
    0.4910559419267466,   0.787641141030194,     0.3379294217276218,   -0.07263752278646252,
    -0.021060292512300564, 0.04472490177066578,  0.0017677118642428036, -0.007800708325034148};
constexpr int64_t kHzPad = static_cast<int64_t>(kSym6.size()) / 4;  // Hz_pad = 3

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

torch::Tensor full(int64_t B, double v) { return torch::full({B}, v, kF64); }

// Rows of a batch of 3×3 matrices from nine [B] tensors.
torch::Tensor matrix(const std::array<torch::Tensor, 9>& a) {
  return torch::stack(std::vector<torch::Tensor>(a.begin(), a.end()), 1).view({-1, 3, 3});
}

torch::Tensor translate2d_inv(const torch::Tensor& tx, const torch::Tensor& ty) { return translate2d(-tx, -ty); }
torch::Tensor scale2d_inv(const torch::Tensor& sx, const torch::Tensor& sy) { return scale2d(1 / sx, 1 / sy); }
torch::Tensor rotate2d_inv(const torch::Tensor& theta) { return rotate2d(-theta); }

// Constant transforms broadcast over a batch of B.
torch::Tensor const_translate2d(int64_t B, double tx, double ty) { return translate2d(full(B, tx), full(B, ty)); }
torch::Tensor const_scale2d(int64_t B, double sx, double sy) { return scale2d(full(B, sx), full(B, sy)); }

// Depthwise 1-D filter of `taps` along W (dim 3) or H (dim 2) for C channels: weight [C, 1, 1, K] or [C, 1, K, 1].
torch::Tensor depthwise_filter(const torch::Tensor& taps, int64_t C, int64_t dim) {
  const auto K = taps.size(0);
  return dim == 3 ? taps.view({1, 1, 1, K}).repeat({C, 1, 1, 1}) : taps.view({1, 1, K, 1}).repeat({C, 1, 1, 1});
}

// Grouped (per-channel) convolution of x [N, C, H, W] with a depthwise_filter weight.
torch::Tensor depthwise_conv(const torch::Tensor& x, const torch::Tensor& weight, std::array<int64_t, 2> stride,
                             std::array<int64_t, 2> padding) {
  const std::array<int64_t, 2> dilation = {1, 1};
  return at::conv2d(x, weight, c10::nullopt, stride, padding, dilation, x.size(1));
}

void check_options(const AugmentOptions& o) {
  const std::array<std::pair<const char*, double>, 11> fields = {{{"p", o.p},
                                                                  {"xflip", o.xflip},
                                                                  {"yflip", o.yflip},
                                                                  {"scale", o.scale},
                                                                  {"rotate_frac", o.rotate_frac},
                                                                  {"aniso", o.aniso},
                                                                  {"translate_frac", o.translate_frac},
                                                                  {"scale_std", o.scale_std},
                                                                  {"rotate_frac_max", o.rotate_frac_max},
                                                                  {"aniso_std", o.aniso_std},
                                                                  {"translate_frac_std", o.translate_frac_std}}};
  for (const auto& [name, v] : fields)
    PFGM_CHECK(std::isfinite(v) && v >= 0, "[augment] ", name, ": got ", v, ", expected a finite value >= 0");
  PFGM_CHECK(o.aniso_rotate_prob >= 0 && o.aniso_rotate_prob <= 1, "[augment] aniso_rotate_prob: got ",
             o.aniso_rotate_prob, ", expected a probability in [0, 1]");
}

void check_images(const torch::Tensor& images, const char* where) {
  PFGM_CHECK(images.defined() && images.dim() == 4, "[", where, "] images: got ",
             images.defined() ? images.sizes() : at::IntArrayRef{}, ", expected a 4-D tensor [B, C, H, W]");
  PFGM_CHECK(images.is_floating_point(), "[", where, "] images: got dtype ", images.dtype(),
             ", expected a floating-point tensor");
  PFGM_CHECK(images.size(2) >= 1 && images.size(3) >= 1, "[", where, "] images: got ", images.sizes(),
             ", expected H, W >= 1");
}

// On the host in float64, where the transforms are composed.
torch::Tensor to_host(const torch::Tensor& t) { return t.to(torch::kCPU, torch::kFloat64); }

// augment.py's random draws: float32 on the generator's device, in the order they are called.
struct AugmentRandom {
  explicit AugmentRandom(at::Generator& g)
      : gen(g), dev32(torch::TensorOptions().dtype(torch::kFloat32).device(g.device())) {}
  torch::Tensor rand(at::IntArrayRef shape) const { return at::rand(shape, gen, dev32); }
  torch::Tensor randn(at::IntArrayRef shape) const { return at::randn(shape, gen, dev32); }
  // w where rand < prob, else 0 (augment.py's torch.where), on the host in float64.
  torch::Tensor kept(const torch::Tensor& w, at::IntArrayRef keep_shape, double prob) const {
    const auto keep = (rand(keep_shape) < prob).cpu();
    return torch::where(keep, to_host(w), torch::zeros({}, kF64));
  }

  at::Generator& gen;
  const torch::TensorOptions dev32;
};

}  // namespace

torch::Tensor translate2d(const torch::Tensor& tx, const torch::Tensor& ty) {
  const auto o = torch::ones_like(tx), z = torch::zeros_like(tx);
  return matrix({o, z, tx,  //
                 z, o, ty,  //
                 z, z, o});
}

torch::Tensor scale2d(const torch::Tensor& sx, const torch::Tensor& sy) {
  const auto o = torch::ones_like(sx), z = torch::zeros_like(sx);
  return matrix({sx, z, z,  //
                 z, sy, z,  //
                 z, z, o});
}

torch::Tensor rotate2d(const torch::Tensor& theta) {
  const auto o = torch::ones_like(theta), z = torch::zeros_like(theta);
  const auto c = theta.cos(), s = theta.sin();
  return matrix({c, -s, z,  //
                 s, c, z,   //
                 z, z, o});
}

AugmentDraws draw_augment(int64_t B, int64_t H, int64_t W, const AugmentOptions& o, at::Generator& gen) {
  check_options(o);
  // Draws are float32 on the generator's device as augment.py's; transforms are composed in float64
  // on the CPU (the margin needs host values anyway). The draw order follows augment.py.
  const AugmentRandom draw(gen);

  AugmentDraws d;
  std::vector<torch::Tensor> labels(kAugmentDim, torch::zeros({B}, kF64));
  auto G_inv = torch::eye(3, kF64).expand({B, 3, 3}).clone();

  // Pixel blitting: w = randint(2), kept with probability min(1, multiplier·p).
  const auto flip = [&](double multiplier) {
    const auto w = at::randint(2, {B}, gen, torch::TensorOptions().dtype(torch::kInt64).device(gen.device()));
    return draw.kept(w, {B}, multiplier * o.p);
  };
  d.xflip = torch::zeros({B}, torch::kBool);
  d.yflip = torch::zeros({B}, torch::kBool);
  if (o.xflip > 0) {
    labels[0] = flip(o.xflip);
    d.xflip = labels[0] == 1;
  }
  if (o.yflip > 0) {
    labels[1] = flip(o.yflip);
    d.yflip = labels[1] == 1;
  }

  // Isotropic scaling: s = 2^(w·scale_std), w ~ N(0, 1).
  if (o.scale > 0) {
    const auto w = draw.randn({B});
    const auto w_h = draw.kept(w, {B}, o.scale * o.p);
    const auto s = torch::exp2(w_h * o.scale_std);
    G_inv = G_inv.bmm(scale2d_inv(s, s));
    labels[2] = w_h;
  }

  // Arbitrary rotation: θ ~ U(−π·rotate_frac_max, π·rotate_frac_max).
  if (o.rotate_frac > 0) {
    const auto u = to_host(draw.rand({B}));
    const auto theta = draw.kept((u * 2 - 1) * (kPi * o.rotate_frac_max), {B}, o.rotate_frac * o.p);
    G_inv = G_inv.bmm(rotate2d_inv(-theta));
    labels[3] = theta.cos() - 1;
    labels[4] = theta.sin();
  }

  // Anisotropic scaling by s = 2^(w·aniso_std) along the axis (cos r, −sin r) and 1/s across it:
  // w ~ N(0, 1), r ~ U(−π, π) (r used with probability aniso_rotate_prob, else 0). As in augment.py
  // the labels (w·cos r, w·sin r) fix the axis and |w| but not the sign of w: (w, r) and (−w, r + π)
  // share labels and differ in transform.
  if (o.aniso > 0) {
    const auto w = draw.randn({B});
    const auto r0 = (to_host(draw.rand({B})) * 2 - 1) * kPi;
    const auto w_h = draw.kept(w, {B}, o.aniso * o.p);
    const auto r = draw.kept(r0, {B}, o.aniso_rotate_prob);
    const auto s = torch::exp2(w_h * o.aniso_std);
    // augment.py: G_inv @ rotate2d_inv(r) @ scale2d_inv(s, 1/s) @ rotate2d_inv(−r).
    G_inv = G_inv.bmm(rotate2d_inv(r)).bmm(scale2d_inv(s, 1 / s)).bmm(rotate2d_inv(-r));
    labels[5] = w_h * r.cos();
    labels[6] = w_h * r.sin();
  }

  // Fractional translation by (tx·W, ty·H)·translate_frac_std pixels, t ~ N(0, I₂); one draw keeps both.
  if (o.translate_frac > 0) {
    const auto t = draw.randn({2, B});
    const auto t_h = draw.kept(t, {1, B}, o.translate_frac * o.p);
    G_inv = G_inv.bmm(translate2d_inv(t_h[0] * (W * o.translate_frac_std), t_h[1] * (H * o.translate_frac_std)));
    labels[7] = t_h[0];
    labels[8] = t_h[1];
  }

  d.G_inv = G_inv;
  d.geometric = o.scale > 0 || o.rotate_frac > 0 || o.aniso > 0 || o.translate_frac > 0;
  d.labels = torch::stack(labels, 1).to(torch::kFloat32);
  return d;
}

torch::Tensor apply_geometric(const torch::Tensor& images, const torch::Tensor& G_inv_in) {
  check_images(images, "apply_geometric");
  const int64_t N = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  PFGM_CHECK(G_inv_in.dim() == 3 && G_inv_in.size(0) == N && G_inv_in.size(1) == 3 && G_inv_in.size(2) == 3,
             "[apply_geometric] G_inv: got ", G_inv_in.sizes(), ", expected [", N, ", 3, 3]");
  // Half precision has no CPU reflection pad; compute in float32 (float64 stays) and cast back.
  const auto dtype = images.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  auto x = images.to(dtype);
  auto G_inv = G_inv_in.to(torch::kCPU, torch::kFloat64);

  // Margin: how far the transformed output corners reach outside the input, plus the filter support.
  const double cx = (W - 1) / 2.0, cy = (H - 1) / 2.0;
  const auto cp = torch::tensor({-cx, -cy, 1.0, cx, -cy, 1.0, cx, cy, 1.0, -cx, cy, 1.0}, kF64).view({4, 3});
  const auto corners = G_inv.matmul(cp.t());                                   // [B, xyz, idx]
  auto margin = corners.slice(1, 0, 2).permute({1, 0, 2}).flatten(1);          // [xy, B·idx]
  margin = torch::cat({-margin, margin}).amax(1);                              // [x0, y0, x1, y1]
  margin = margin + torch::tensor({2 * kHzPad - cx, 2 * kHzPad - cy, 2 * kHzPad - cx, 2 * kHzPad - cy}, kF64);
  margin = torch::minimum(margin.clamp_min(0), torch::tensor({W - 1.0, H - 1.0, W - 1.0, H - 1.0}, kF64)).ceil();
  const auto m = margin.to(torch::kInt64);
  const int64_t mx0 = m[0].item<int64_t>(), my0 = m[1].item<int64_t>(), mx1 = m[2].item<int64_t>(),
                my1 = m[3].item<int64_t>();

  // Pad image and move the origin to the centre of the padded image.
  x = at::reflection_pad2d(x, {mx0, mx1, my0, my1});
  G_inv = const_translate2d(N, (mx0 - mx1) / 2.0, (my0 - my1) / 2.0).bmm(G_inv);

  // Upsample 2×: zero insertion, then the sym6 low-pass as a true convolution (reversed taps in
  // conv2d's cross-correlation), along W then H.
  const auto Hz = torch::tensor(std::vector<double>(kSym6.begin(), kSym6.end()), kF64).to(x.options());
  const auto Hz_rev = Hz.flip({0});
  const int64_t K = Hz.size(0);
  const int64_t up_pad = (K + 1) / 2, down_pad = (K - 1) / 2;
  x = torch::stack({x, torch::zeros_like(x)}, 4).reshape({N, C, x.size(2), -1}).slice(3, 0, -1);
  x = depthwise_conv(x, depthwise_filter(Hz_rev, C, 3), {1, 1}, {0, up_pad});
  x = torch::stack({x, torch::zeros_like(x)}, 3).reshape({N, C, -1, x.size(3)}).slice(2, 0, -1);
  x = depthwise_conv(x, depthwise_filter(Hz_rev, C, 2), {1, 1}, {up_pad, 0});
  // In pixel-centred coordinates the 2× grids relate by x_up = 2·x + δ, δ the filter's phase offset
  // (up- and downsampling shift alike). augment.py takes δ = −0.5; sym6's DC group delay gives
  // δ = Σk·h_k/Σh_k − 5.5 = −0.40. The difference moves the centre of rotation/scaling by 0.05 px at
  // the original scale (a centred blob rotated by π lands 0.1 px off per axis, against 4e−5 px with
  // δ = −0.40); pure translations are unaffected. Kept as augment.py has it.
  G_inv = const_scale2d(N, 2, 2).bmm(G_inv).bmm(const_scale2d(N, 0.5, 0.5));
  G_inv = const_translate2d(N, -0.5, -0.5).bmm(G_inv).bmm(const_translate2d(N, 0.5, 0.5));

  // Execute: normalised output coordinates → pixels → G_inv → normalised input coordinates.
  const std::vector<int64_t> shape = {N, C, (H + kHzPad * 2) * 2, (W + kHzPad * 2) * 2};
  G_inv = const_scale2d(N, 2.0 / x.size(3), 2.0 / x.size(2))
              .bmm(G_inv)
              .bmm(const_scale2d(N, shape[3] / 2.0, shape[2] / 2.0));  // scale2d_inv(2/W', 2/H')
  const auto theta = G_inv.slice(1, 0, 2).to(x.options());
  const auto grid = at::affine_grid_generator(theta, shape, /*align_corners=*/false);
  x = at::grid_sampler(x, grid, /*bilinear*/ 0, /*zeros*/ 0, /*align_corners=*/false);

  // Downsample 2× with the same filter (cross-correlation = convolution with the reversed taps), crop.
  x = depthwise_conv(x, depthwise_filter(Hz, C, 3), {1, 2}, {0, down_pad}).slice(3, kHzPad, -kHzPad);
  x = depthwise_conv(x, depthwise_filter(Hz, C, 2), {2, 1}, {down_pad, 0}).slice(2, kHzPad, -kHzPad);
  return x.to(images.scalar_type());
}

AugmentResult augment(const torch::Tensor& images, const AugmentOptions& options, at::Generator& gen) {
  check_images(images, "augment");
  check_options(options);
  const int64_t B = images.size(0), H = images.size(2), W = images.size(3);
  // p = 0: no pipe at all (train.py builds none for --augment 0); the official pipe would still
  // run the geometric round trip, which blurs slightly.
  if (options.p == 0)
    return {images, torch::zeros({B, kAugmentDim}, images.options().dtype(torch::kFloat32))};

  const auto d = draw_augment(B, H, W, options, gen);
  auto x = images;
  if (d.xflip.any().item<bool>()) x = torch::where(d.xflip.to(x.device()).view({B, 1, 1, 1}), x.flip({3}), x);
  if (d.yflip.any().item<bool>()) x = torch::where(d.yflip.to(x.device()).view({B, 1, 1, 1}), x.flip({2}), x);
  // augment.py executes whenever a geometric op is enabled, also for images whose draws were all zero.
  if (d.geometric) x = apply_geometric(x, d.G_inv);
  return {x, d.labels.to(images.device())};
}

}  // namespace pfgm::training
