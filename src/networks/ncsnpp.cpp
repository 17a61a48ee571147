#include "pfgm/networks/ncsnpp.h"

#include <cmath>

#include <torch/nn/functional/conv.h>
#include <torch/nn/functional/padding.h>
#include <torch/nn/module.h>

#include "pfgm/networks/flop_counter.h"
#include "pfgm/networks/layers/conv2d.h"
#include "pfgm/networks/layers/group_norm.h"
#include "pfgm/networks/layers/linear.h"
#include "pfgm/networks/network_options.h"

namespace pfgm::networks {

using layers::Conv2d;
using layers::GroupNorm;
using layers::InitOptions;
using layers::Linear;

NCSNppOptions ncsnpp_options_from_json(const nlohmann::json& j) {
  NCSNppOptions o;
  NetworkArguments a("NCSNpp", j);
  a.read("img_resolution", o.img_resolution);
  a.read("img_channels", o.img_channels);
  a.read("nf", o.nf);
  a.read("ch_mult", o.ch_mult);
  a.read("num_res_blocks", o.num_res_blocks);
  a.read("attn_resolutions", o.attn_resolutions);
  a.read("dropout", o.dropout);
  a.read("embedding_type", o.embedding_type);
  a.read("fourier_scale", o.fourier_scale);
  a.read("fir", o.fir);
  a.read("fir_kernel", o.fir_kernel);
  a.read("skip_rescale", o.skip_rescale);
  a.read("progressive_input", o.progressive_input);
  a.read("init_scale", o.init_scale);
  a.read("num_scales", o.num_scales);
  a.read("centered", o.centered);
  std::string resblock_type = "biggan", progressive = "none";
  a.read("resblock_type", resblock_type);
  a.read("progressive", progressive);
  a.ignore("N");
  a.finish();
  PFGM_CHECK(o.embedding_type == "positional" || o.embedding_type == "fourier", "[config] NCSNpp embedding_type: got '",
             o.embedding_type, "', expected positional or fourier");
  PFGM_CHECK(o.progressive_input == "none" || o.progressive_input == "residual",
             "[config] NCSNpp progressive_input: got '", o.progressive_input, "', expected none or residual");
  PFGM_CHECK(resblock_type == "biggan", "[config] NCSNpp resblock_type: got '", resblock_type,
             "', only biggan (every PFGM configuration) is built");
  PFGM_CHECK(progressive == "none", "[config] NCSNpp progressive: got '", progressive,
             "', only none (every PFGM configuration) is built");
  PFGM_CHECK(o.fir_kernel.size() >= 2, "[config] NCSNpp fir_kernel: expected at least 2 taps, got ",
             o.fir_kernel.size());
  PFGM_CHECK(!o.ch_mult.empty() && o.nf > 0 && o.img_resolution % (int64_t{1} << (o.ch_mult.size() - 1)) == 0,
             "[config] NCSNpp: img_resolution ", o.img_resolution, " cannot be halved ", o.ch_mult.size() - 1, " times");
  return o;
}

namespace {

const InitOptions kDefaultInit{"xavier_uniform", 1, 0};  // score_sde default_init: fan_avg, uniform

InitOptions scaled_init(double scale) {  // variance scaled by `scale` (0 means 1e-10, as score_sde)
  return {"xavier_uniform", std::sqrt(scale == 0 ? 1e-10 : scale), 0};
}

// The separable filter f = v vᵀ/(Σv)² as a depthwise kernel [channels, 1, k, k].
torch::Tensor depthwise_filter(const std::vector<double>& v, int64_t channels, const torch::TensorOptions& options) {
  auto t = torch::tensor(v, options);
  return (torch::outer(t, t) / t.sum().square()).expand({channels, 1, t.size(0), t.size(0)}).contiguous();
}

// 2× resampling by that filter, one channel at a time, as score_sde's upfirdn2d (a convolution,
// so the filter is flipped): [1,1] is nearest-neighbour up / average-pool down, [1,3,3,1] the FIR
// filter. Up: zeros between samples, padding (k−1)/2 + 1 before and (k−2)/2 after, gain 4; down:
// padding ((k−2)+1)/2 before, (k−2)/2 after, stride 2.
torch::Tensor resample(const torch::Tensor& x, const std::vector<double>& v, bool up) {
  namespace F = torch::nn::functional;
  if (v.size() == 2 && v[0] == v[1]) {  // the box filter: the same numbers by the dedicated kernels
    count_flops(x.numel() * (up ? 4 : 1));
    return up ? at::upsample_nearest2d(x, {2 * x.size(2), 2 * x.size(3)}) : at::avg_pool2d(x, {2, 2}, {2, 2});
  }
  const auto f = depthwise_filter(v, x.size(1), x.options()).flip({-2, -1});
  const int64_t k = f.size(-1), H = x.size(2), W = x.size(3);
  if (up) {
    // The transposed convolution pads k − 1 − p on each side; p = k − 2 − (k−1)/2 gives the
    // reference's leading padding, and the crop its trailing one.
    const auto y = F::conv_transpose2d(x, f.flip({-2, -1}) * 4,
                                       F::ConvTranspose2dFuncOptions().stride(2).padding(k - 2 - (k - 1) / 2).groups(x.size(1)));
    return y.narrow(2, 0, 2 * H).narrow(3, 0, 2 * W);
  }
  const int64_t before = (k - 1) / 2, after = (k - 2) / 2;
  const auto padded = before == after ? x : F::pad(x, F::PadFuncOptions({before - after, 0, before - after, 0}));
  return F::conv2d(padded, f, F::Conv2dFuncOptions().stride(2).padding(after).groups(x.size(1)));
}

// Network-in-network: a 1×1 linear map over channels, y = xᵀW + b with W [in, out].
struct NIN : torch::nn::Module {
  NIN(int64_t in, int64_t out, double init_scale) {
    const auto init = scaled_init(init_scale);
    W = register_parameter("W", layers::weight_init({in, out}, init.mode, in, out) * init.init_weight);
    b = register_parameter("b", torch::zeros({out}));
  }
  torch::Tensor forward(const torch::Tensor& x) {  // as a 1×1 convolution, which keeps x's memory layout
    count_flops(2 * x.numel() * W.size(1));
    const auto w = W.t().to(x.scalar_type()).reshape({W.size(1), W.size(0), 1, 1});
    return at::conv2d(x, x.is_contiguous(at::MemoryFormat::ChannelsLast) ? w.contiguous(at::MemoryFormat::ChannelsLast) : w,
                      b.to(x.scalar_type()));
  }
  torch::Tensor W, b;
};

// Single-head self-attention over all positions (score_sde AttnBlockpp).
struct AttnBlock : torch::nn::Module {
  AttnBlock(int64_t C, bool skip_rescale, double init_scale) : skip_rescale(skip_rescale) {
    GroupNorm_0 = register_module("GroupNorm_0", std::make_shared<GroupNorm>(C, 32, 4, 1e-6));
    for (int i = 0; i < 4; ++i)
      nin[i] = register_module("NIN_" + std::to_string(i), std::make_shared<NIN>(C, C, i == 3 ? init_scale : 1.0));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const auto h = GroupNorm_0->forward(x);
    const auto q = nin[0]->forward(h).reshape({B, C, H * W}), k = nin[1]->forward(h).reshape({B, C, H * W}),
               v = nin[2]->forward(h).reshape({B, C, H * W});
    const auto w = (torch::bmm(q.transpose(1, 2), k) * std::pow(static_cast<double>(C), -0.5)).softmax(-1);
    auto a = torch::bmm(v, w.transpose(1, 2)).reshape({B, C, H, W});
    if (x.is_contiguous(at::MemoryFormat::ChannelsLast)) a = a.contiguous(at::MemoryFormat::ChannelsLast);  // x's layout
    count_flops(2 * 2 * B * C * H * W * H * W);
    const auto out = x + nin[3]->forward(a);
    return skip_rescale ? out / std::sqrt(2.0) : out;
  }
  bool skip_rescale;
  std::shared_ptr<GroupNorm> GroupNorm_0;
  std::shared_ptr<NIN> nin[4];
};

// BigGAN-style residual block (score_sde ResnetBlockBigGANpp), optionally resampling.
struct ResnetBlock : torch::nn::Module {
  ResnetBlock(int64_t in, int64_t out, int64_t temb_dim, bool up, bool down, const NCSNppOptions& o)
      : up(up), down(down), dropout(o.dropout), skip_rescale(o.skip_rescale),
        filter(o.fir ? o.fir_kernel : std::vector<double>{1, 1}) {
    GroupNorm_0 = register_module("GroupNorm_0", std::make_shared<GroupNorm>(in, 32, 4, 1e-6));
    Conv_0 = register_module("Conv_0", std::make_shared<Conv2d>(in, out, 3, true, layers::ResampleOptions{}, kDefaultInit));
    Dense_0 = register_module("Dense_0", std::make_shared<Linear>(temb_dim, out, true, kDefaultInit));
    GroupNorm_1 = register_module("GroupNorm_1", std::make_shared<GroupNorm>(out, 32, 4, 1e-6));
    Conv_1 = register_module("Conv_1", std::make_shared<Conv2d>(out, out, 3, true, layers::ResampleOptions{},
                                                                scaled_init(o.init_scale)));
    if (in != out || up || down)
      Conv_2 = register_module("Conv_2", std::make_shared<Conv2d>(in, out, 1, true, layers::ResampleOptions{}, kDefaultInit));
  }
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& temb) {
    auto h = torch::silu(GroupNorm_0->forward(x));
    if (up || down) {
      h = resample(h, filter, up);
      x = resample(x, filter, up);
    }
    h = Conv_0->forward(h);
    h = h + Dense_0->forward(torch::silu(temb)).unsqueeze(2).unsqueeze(3);
    h = torch::silu(GroupNorm_1->forward(h));
    h = Conv_1->forward(torch::dropout(h, dropout, is_training()));
    if (Conv_2) x = Conv_2->forward(x);
    return skip_rescale ? (x + h) / std::sqrt(2.0) : x + h;
  }
  bool up, down;
  double dropout;
  bool skip_rescale;
  std::vector<double> filter;
  std::shared_ptr<GroupNorm> GroupNorm_0, GroupNorm_1;
  std::shared_ptr<Conv2d> Conv_0, Conv_1, Conv_2;
  std::shared_ptr<Linear> Dense_0;
};

// The residual input pyramid's downsampling convolution (score_sde layerspp.Downsample with a
// convolution): with FIR, blur by the filter (padding 2) then a stride-2 3×3 convolution
// (`Conv2d_0`); without, pad right/bottom by one and a stride-2 3×3 convolution (`Conv_0`).
struct PyramidDownsample : torch::nn::Module {
  PyramidDownsample(int64_t in, int64_t out, const NCSNppOptions& o) : fir(o.fir), kernel(o.fir_kernel) {
    conv = register_module(fir ? "Conv2d_0" : "Conv_0",
                           std::make_shared<Conv2d>(in, out, 3, true, layers::ResampleOptions{}, kDefaultInit));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    namespace F = torch::nn::functional;
    torch::Tensor y;
    if (fir) {  // upfirdn2d's blur: padding ((p+1)/2, p/2), p = (k − factor) + (conv kernel − 1)
      const auto f = depthwise_filter(kernel, x.size(1), x.options()).flip({-2, -1});
      const int64_t p = (f.size(-1) - 2) + 2;
      y = F::conv2d(F::pad(x, F::PadFuncOptions({(p + 1) / 2, p / 2, (p + 1) / 2, p / 2})), f,
                    F::Conv2dFuncOptions().groups(x.size(1)));
    } else {
      y = F::pad(x, F::PadFuncOptions({0, 1, 0, 1}));
    }
    count_flops(2 * conv->weight.numel() * (x.size(2) / 2) * (x.size(3) / 2) * x.size(0));
    return F::conv2d(y, conv->weight.to(x.scalar_type()), F::Conv2dFuncOptions().stride(2)) +
           conv->bias.to(x.scalar_type()).reshape({1, -1, 1, 1});
  }
  bool fir;
  std::vector<double> kernel;
  std::shared_ptr<Conv2d> conv;
};

}  // namespace

struct NCSNpp::Impl {
  torch::Tensor fourier_W;  // GaussianFourierProjection.W (a parameter that is not trained)
  std::shared_ptr<Linear> dense0, dense1;
  std::shared_ptr<Conv2d> conv_in, conv_out;
  std::shared_ptr<GroupNorm> norm_out;
  // The encoder and decoder as score_sde walks all_modules.
  std::vector<std::shared_ptr<torch::nn::Module>> sequence;
  std::vector<int64_t> resolution;  // per all_modules index: its output's resolution (0: the embedding)
};

NCSNpp::NCSNpp(const NCSNppOptions& o) : options(o), impl_(std::make_shared<Impl>()) {
  auto& m = *impl_;
  // score_sde's get_sigmas: a float64 buffer, as official checkpoints hold it.
  register_buffer("sigmas", torch::exp(torch::linspace(std::log(o.sigma_max), std::log(o.sigma_min), o.num_scales,
                                                       torch::kFloat64)));
  auto all = register_module("all_modules", std::make_shared<torch::nn::Module>());
  int index = 0;
  int64_t res_out = 0;  // the resolution of the next module's output
  auto add = [&](std::shared_ptr<torch::nn::Module> module) {
    all->register_module(std::to_string(index++), module);
    m.resolution.push_back(res_out);
    return module;
  };
  const int64_t nf = o.nf, temb_dim = 4 * nf, C = o.img_channels;
  int64_t embed_dim = nf;
  if (o.embedding_type == "fourier") {
    auto proj = std::make_shared<torch::nn::Module>();
    m.fourier_W = proj->register_parameter("W", torch::randn({nf}) * o.fourier_scale, /*requires_grad=*/false);
    add(proj);
    embed_dim = 2 * nf;
  }
  m.dense0 = std::static_pointer_cast<Linear>(add(std::make_shared<Linear>(embed_dim, temb_dim, true, kDefaultInit)));
  m.dense1 = std::static_pointer_cast<Linear>(add(std::make_shared<Linear>(temb_dim, temb_dim, true, kDefaultInit)));
  res_out = o.img_resolution;
  m.conv_in = std::static_pointer_cast<Conv2d>(
      add(std::make_shared<Conv2d>(C, nf, 3, true, layers::ResampleOptions{}, kDefaultInit)));

  auto block = [&](int64_t in, int64_t out, bool up = false, bool down = false) {
    m.sequence.push_back(add(std::make_shared<ResnetBlock>(in, out, temb_dim, up, down, o)));
  };
  auto attention = [&](int64_t channels) {
    m.sequence.push_back(add(std::make_shared<AttnBlock>(channels, o.skip_rescale, o.init_scale)));
  };
  auto attn_at = [&](int64_t res) {
    return std::find(o.attn_resolutions.begin(), o.attn_resolutions.end(), res) != o.attn_resolutions.end();
  };
  const int64_t levels = static_cast<int64_t>(o.ch_mult.size());
  std::vector<int64_t> hs_c{nf};
  int64_t in_ch = nf, pyramid_ch = C;
  for (int64_t level = 0; level < levels; ++level) {
    const int64_t res = o.img_resolution >> level;
    for (int64_t i = 0; i < o.num_res_blocks; ++i) {
      block(in_ch, nf * o.ch_mult[level]);
      in_ch = nf * o.ch_mult[level];
      if (attn_at(res)) attention(in_ch);
      hs_c.push_back(in_ch);
    }
    if (level != levels - 1) {
      res_out = res / 2;
      block(in_ch, in_ch, false, true);
      if (o.progressive_input == "residual") {
        m.sequence.push_back(add(std::make_shared<PyramidDownsample>(pyramid_ch, in_ch, o)));
        pyramid_ch = in_ch;
      }
      hs_c.push_back(in_ch);
    }
  }
  block(in_ch, in_ch);
  attention(in_ch);
  block(in_ch, in_ch);
  for (int64_t level = levels - 1; level >= 0; --level) {
    const int64_t res = o.img_resolution >> level;
    res_out = res;
    for (int64_t i = 0; i <= o.num_res_blocks; ++i) {
      block(in_ch + hs_c.back(), nf * o.ch_mult[level]);
      hs_c.pop_back();
      in_ch = nf * o.ch_mult[level];
    }
    if (attn_at(res)) attention(in_ch);
    res_out = res * 2;
    if (level != 0) block(in_ch, in_ch, true, false);
  }
  res_out = o.img_resolution;
  m.norm_out = std::static_pointer_cast<GroupNorm>(add(std::make_shared<GroupNorm>(in_ch, 32, 4, 1e-6)));
  m.conv_out = std::static_pointer_cast<Conv2d>(
      add(std::make_shared<Conv2d>(in_ch, C + 1, 3, true, layers::ResampleOptions{}, scaled_init(o.init_scale))));
}

const std::vector<int64_t>& NCSNpp::module_resolutions() const { return impl_->resolution; }

torch::Tensor NCSNpp::forward(const torch::Tensor& x_in, const torch::Tensor& z, const torch::Tensor&,
                              const torch::Tensor&) {
  auto& m = *impl_;
  const auto& o = options;
  const int64_t C = o.img_channels, R = o.img_resolution;
  auto x = x_in.dim() == 4 ? x_in : x_in.reshape({x_in.size(0), C, R, R});  // a reshape would respell NHWC strides
  if (!o.centered) x = 2 * x - 1;  // data in [0, 1]

  // Embedding of z: Fourier features of ln z, or the transformer sinusoid of z itself.
  torch::Tensor temb;
  if (m.fourier_W.defined()) {
    const auto proj = torch::log(z).unsqueeze(1) * m.fourier_W.unsqueeze(0) * (2 * M_PI);
    temb = torch::cat({torch::sin(proj), torch::cos(proj)}, 1);
  } else {
    const int64_t half = o.nf / 2;
    const double scale = std::log(10000.0) / static_cast<double>(half - 1);
    const auto freqs = torch::exp(torch::arange(half, z.options().dtype(torch::kFloat32)) * -scale);
    const auto arg = z.to(torch::kFloat32).unsqueeze(1) * freqs.unsqueeze(0);
    temb = torch::cat({torch::sin(arg), torch::cos(arg)}, 1);
  }
  temb = m.dense1->forward(torch::silu(m.dense0->forward(temb.to(x.scalar_type()))));

  // Encoder.
  size_t k = 0;
  auto next = [&] { return m.sequence.at(k++); };
  std::vector<torch::Tensor> hs{m.conv_in->forward(x)};
  torch::Tensor pyramid = x, h;
  const int64_t levels = static_cast<int64_t>(o.ch_mult.size());
  auto as_block = [](const std::shared_ptr<torch::nn::Module>& p) { return std::static_pointer_cast<ResnetBlock>(p); };
  auto as_attn = [](const std::shared_ptr<torch::nn::Module>& p) { return std::static_pointer_cast<AttnBlock>(p); };
  for (int64_t level = 0; level < levels; ++level) {
    for (int64_t i = 0; i < o.num_res_blocks; ++i) {
      h = as_block(next())->forward(hs.back(), temb);
      if (std::find(o.attn_resolutions.begin(), o.attn_resolutions.end(), h.size(-1)) != o.attn_resolutions.end())
        h = as_attn(next())->forward(h);
      hs.push_back(h);
    }
    if (level != levels - 1) {
      h = as_block(next())->forward(hs.back(), temb);
      if (o.progressive_input == "residual") {
        pyramid = std::static_pointer_cast<PyramidDownsample>(next())->forward(pyramid);
        pyramid = o.skip_rescale ? (pyramid + h) / std::sqrt(2.0) : pyramid + h;
        h = pyramid;
      }
      hs.push_back(h);
    }
  }
  h = as_block(next())->forward(hs.back(), temb);
  h = as_attn(next())->forward(h);
  h = as_block(next())->forward(h, temb);

  // Decoder.
  for (int64_t level = levels - 1; level >= 0; --level) {
    for (int64_t i = 0; i <= o.num_res_blocks; ++i) {
      h = as_block(next())->forward(torch::cat({h, hs.back()}, 1), temb);
      hs.pop_back();
    }
    if (std::find(o.attn_resolutions.begin(), o.attn_resolutions.end(), h.size(-1)) != o.attn_resolutions.end())
      h = as_attn(next())->forward(h);
    if (level != 0) h = as_block(next())->forward(h, temb);
  }
  h = m.conv_out->forward(torch::silu(m.norm_out->forward(h)));

  // The field: x components per pixel, the z component averaged over the image.
  using torch::indexing::Slice;
  const auto v_x = h.index({Slice(), Slice(0, C)}).flatten(1);
  const auto v_z = h.index({Slice(), C}).mean({1, 2}).unsqueeze(1);
  return torch::cat({v_x, v_z}, 1);
}

}  // namespace pfgm::networks
