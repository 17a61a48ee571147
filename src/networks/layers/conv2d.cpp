#include "pfgm/networks/layers/conv2d.h"

#include <algorithm>

#include <torch/nn/functional/conv.h>
#include <torch/nn/module.h>

#include "pfgm/core/error.h"
#include "pfgm/networks/flop_counter.h"

namespace pfgm::networks::layers {

namespace F = torch::nn::functional;

Conv2d::Conv2d(int64_t in, int64_t out, int64_t kernel, bool has_bias, const ResampleOptions& r, const InitOptions& init)
    : in_channels(in), out_channels(out), resample(r) {
  PFGM_CHECK(!(r.up && r.down), "[network] Conv2d: up and down together");
  if (kernel) {
    const int64_t fan_in = in * kernel * kernel, fan_out = out * kernel * kernel;
    weight = register_parameter("weight",
                                weight_init({out, in, kernel, kernel}, init.mode, fan_in, fan_out) * init.init_weight);
    if (has_bias) bias = register_parameter("bias", weight_init({out}, init.mode, fan_in, fan_out) * init.init_bias);
  }
  if (r.up || r.down) {
    PFGM_CHECK(!r.filter.empty(), "[network] resample_filter: expected at least one tap");
    auto v = torch::tensor(r.filter, torch::kFloat32);
    auto f = torch::outer(v, v).unsqueeze(0).unsqueeze(0) / v.sum().square();  // f = v vᵀ / (Σv)²
    resample_filter = register_buffer("resample_filter", f);
    box_filter_ = r.filter.size() == 2 && r.filter[0] == r.filter[1];
  }
}

namespace {
torch::Tensor conv(const torch::Tensor& x, const torch::Tensor& w, int64_t stride, int64_t padding, int64_t groups,
                   const torch::Tensor& b = {}) {
  auto y = F::conv2d(x, w, F::Conv2dFuncOptions().stride(stride).padding(padding).groups(groups).bias(b));
  count_flops(2 * y.numel() * w.size(1) * w.size(2) * w.size(3));
  return y;
}
torch::Tensor conv_transpose(const torch::Tensor& x, const torch::Tensor& w, int64_t padding, int64_t groups) {
  count_flops(2 * x.numel() * w.size(1) * w.size(2) * w.size(3));
  return F::conv_transpose2d(x, w, F::ConvTranspose2dFuncOptions().stride(2).padding(padding).groups(groups));
}
}  // namespace

torch::Tensor Conv2d::forward(const torch::Tensor& x_in) {
  auto x = x_in;
  const auto dtype = x.scalar_type();
  const auto w = weight.defined() ? weight.to(dtype) : torch::Tensor();
  const auto f = resample_filter.defined() ? resample_filter.to(dtype) : torch::Tensor();
  const auto b = bias.defined() ? bias.to(dtype) : torch::Tensor();
  const int64_t w_pad = w.defined() ? w.size(-1) / 2 : 0;
  const int64_t f_pad = f.defined() ? (f.size(-1) - 1) / 2 : 0;

  if (resample.fused && resample.up && w.defined()) {
    // As the reference keeps it: both paddings on the transposed filter, none on the convolution.
    x = conv_transpose(x, f.mul(4).tile({in_channels, 1, 1, 1}), w_pad + f_pad, in_channels);
    x = conv(x, w, 1, 0, 1);
  } else if (resample.fused && resample.down && w.defined()) {
    x = conv(x, w, 1, w_pad + f_pad, 1);
    x = conv(x, f.tile({out_channels, 1, 1, 1}), 2, 0, out_channels);
  } else if (box_filter_ && (resample.up || resample.down)) {
    // f = [1,1]ᵀ[1,1]/4: the transposed convolution is nearest-neighbour upsampling and the strided
    // one 2×2 average pooling; LibTorch's pooling kernels are much faster than a depthwise convolution.
    count_flops(8 * (resample.up ? x.numel() : x.numel() / 4));  // as the convolution it replaces
    x = resample.up ? at::upsample_nearest2d(x, {2 * x.size(2), 2 * x.size(3)}) : at::avg_pool2d(x, {2, 2});
    if (w.defined()) return conv(x, w, 1, w_pad, 1, b);
  } else {
    if (resample.up) x = conv_transpose(x, f.mul(4).tile({in_channels, 1, 1, 1}), f_pad, in_channels);
    if (resample.down) x = conv(x, f.tile({in_channels, 1, 1, 1}), 2, f_pad, in_channels);
    // The bias inside the convolution: x + b, summed in the convolution's accumulator.
    if (w.defined()) return conv(x, w, 1, w_pad, 1, b);
  }
  if (b.defined()) x = x.add_(b.reshape({1, -1, 1, 1}));
  return x;
}

}  // namespace pfgm::networks::layers
