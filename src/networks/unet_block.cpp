#include "pfgm/networks/unet_block.h"

#include <cmath>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include "pfgm/core/error.h"
#include "pfgm/networks/flop_counter.h"

namespace pfgm::networks {

int64_t UNetBlockOptions::heads() const {
  if (!attention) return 0;
  return num_heads ? *num_heads : out_channels / channels_per_head;
}

UNetBlockOptions unet_block_options_from_json(const nlohmann::json& j) {
  UNetBlockOptions o;
  try {
    for (const auto& [key, value] : j.items()) {
      if (key == "in_channels") o.in_channels = value.get<int64_t>();
      else if (key == "out_channels") o.out_channels = value.get<int64_t>();
      else if (key == "emb_channels") o.emb_channels = value.get<int64_t>();
      else if (key == "up") o.up = value.get<bool>();
      else if (key == "down") o.down = value.get<bool>();
      else if (key == "attention") o.attention = value.get<bool>();
      else if (key == "num_heads") { if (!value.is_null()) o.num_heads = value.get<int64_t>(); }
      else if (key == "channels_per_head") o.channels_per_head = value.get<int64_t>();
      else if (key == "dropout") o.dropout = value.get<double>();
      else if (key == "skip_scale") o.skip_scale = value.get<double>();
      else if (key == "eps") o.eps = value.get<double>();
      else if (key == "resample_filter") o.resample_filter = value.get<std::vector<double>>();
      else if (key == "resample_proj") o.resample_proj = value.get<bool>();
      else if (key == "adaptive_scale") o.adaptive_scale = value.get<bool>();
      else throw Error("[config] UNetBlock: unknown argument '" + key + "'");
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("[config] UNetBlock: ") + e.what());
  }
  PFGM_CHECK(o.in_channels > 0 && o.out_channels > 0 && o.emb_channels > 0,
             "[config] UNetBlock: in_channels, out_channels and emb_channels must be positive");
  return o;
}

UNetBlock::UNetBlock(const UNetBlockOptions& o) : options(o) {
  using namespace layers;
  const ResampleOptions resample{o.up, o.down, o.resample_filter, false};
  norm0_ = register_module("norm0", std::make_shared<GroupNorm>(o.in_channels, 32, 4, o.eps));
  conv0_ = register_module("conv0", std::make_shared<Conv2d>(o.in_channels, o.out_channels, 3, true, resample, o.init));
  affine_ = register_module(
      "affine", std::make_shared<Linear>(o.emb_channels, o.out_channels * (o.adaptive_scale ? 2 : 1), true, o.init));
  norm1_ = register_module("norm1", std::make_shared<GroupNorm>(o.out_channels, 32, 4, o.eps));
  conv1_ = register_module("conv1", std::make_shared<Conv2d>(o.out_channels, o.out_channels, 3, true,
                                                             ResampleOptions{}, o.init_zero));
  if (o.out_channels != o.in_channels || o.up || o.down) {
    const int64_t kernel = (o.resample_proj || o.out_channels != o.in_channels) ? 1 : 0;
    skip_ = register_module("skip",
                            std::make_shared<Conv2d>(o.in_channels, o.out_channels, kernel, true, resample, o.init));
  }
  const int64_t heads = o.heads();
  if (heads) {
    PFGM_CHECK(o.out_channels % heads == 0, "[network] UNetBlock: ", o.out_channels, " channels in ", heads, " heads");
    norm2_ = register_module("norm2", std::make_shared<GroupNorm>(o.out_channels, 32, 4, o.eps));
    qkv_ = register_module("qkv", std::make_shared<Conv2d>(o.out_channels, o.out_channels * 3, 1, true,
                                                           ResampleOptions{}, o.init_attn.value_or(o.init)));
    proj_ = register_module(
        "proj", std::make_shared<Conv2d>(o.out_channels, o.out_channels, 1, true, ResampleOptions{}, o.init_zero));
  }
}

torch::Tensor UNetBlock::forward(const torch::Tensor& x, const torch::Tensor& emb) {
  const auto orig = x;
  auto h = conv0_->forward(torch::silu(norm0_->forward(x)));
  const auto params = affine_->forward(emb).unsqueeze(2).unsqueeze(3).to(h.scalar_type());
  if (options.adaptive_scale) {
    const auto scale_shift = params.chunk(2, 1);  // scale first, then shift
    h = torch::silu(torch::addcmul(scale_shift[1], norm1_->forward(h), scale_shift[0] + 1));
  } else {
    h = torch::silu(norm1_->forward(h.add(params)));
  }
  h = conv1_->forward(torch::dropout(h, options.dropout, is_training()));
  h = h.add_(skip_ ? skip_->forward(orig) : orig);
  h = h * options.skip_scale;
  if (norm2_) h = proj_->forward(attention(h)).add_(h) * options.skip_scale;
  return h;
}

// Self-attention with the reference's channel layout: the qkv output viewed as
// [B·heads, C/heads, 3, H·W], i.e. channels interleaved as (head, channel, {q, k, v});
// w = softmax_k(q·k/√(C/heads)) in float32; a = Σ_k w·v.
torch::Tensor UNetBlock::attention(const torch::Tensor& h) {
  const int64_t B = h.size(0), C = h.size(1), heads = options.heads(), HW = h.size(2) * h.size(3);
  const auto qkv = qkv_->forward(norm2_->forward(h)).reshape({B * heads, C / heads, 3, HW}).unbind(2);
  const auto q = qkv[0].to(torch::kFloat32), k = (qkv[1] / std::sqrt(static_cast<double>(C / heads))).to(torch::kFloat32);
  const auto w = torch::bmm(q.transpose(1, 2), k).softmax(2).to(qkv[0].scalar_type());  // [n, q, k]
  const auto a = torch::bmm(qkv[2], w.transpose(1, 2));                                    // [n, c, q]
  count_flops(2 * 2 * B * C * HW * HW);
  return a.reshape(h.sizes());
}

std::shared_ptr<UNetBlock> make_unet_block(UNetBlockOptions b, int64_t in, int64_t out, bool up, bool down,
                                           bool attention) {
  b.in_channels = in;
  b.out_channels = out;
  b.up = up;
  b.down = down;
  b.attention = attention;
  return std::make_shared<UNetBlock>(b);
}

}  // namespace pfgm::networks
