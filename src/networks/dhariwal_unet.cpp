#include "pfgm/networks/dhariwal_unet.h"

#include <cmath>

#include <torch/nn/module.h>

#include "pfgm/networks/network_options.h"
#include "pfgm/networks/positional_embedding.h"

namespace pfgm::networks {

using layers::Conv2d;
using layers::GroupNorm;
using layers::InitOptions;
using layers::Linear;
using layers::ResampleOptions;

DhariwalUNetOptions dhariwal_unet_options_from_json(const nlohmann::json& j) {
  DhariwalUNetOptions o;
  NetworkArguments a("DhariwalUNet", j);
  read_unet_arguments(a, o, "DhariwalUNet");
  a.finish();
  return o;
}

DhariwalUNet::DhariwalUNet(const DhariwalUNetOptions& o) : options(o) {
  const int64_t emb_channels = o.model_channels * o.channel_mult_emb;
  const InitOptions init{"kaiming_uniform", std::sqrt(1.0 / 3), std::sqrt(1.0 / 3)};
  const InitOptions init_zero{"kaiming_uniform", 0, 0};
  UNetBlockOptions block;
  block.emb_channels = emb_channels;
  block.channels_per_head = 64;
  block.dropout = o.dropout;
  block.init = init;
  block.init_zero = init_zero;
  auto make_block = [&](int64_t in, int64_t out, bool up, bool down, bool attention) {
    return make_unet_block(block, in, out, up, down, attention);
  };
  auto attn_at = [&](int64_t res) {
    return std::find(o.attn_resolutions.begin(), o.attn_resolutions.end(), res) != o.attn_resolutions.end();
  };

  if (o.augment_dim)
    map_augment_ =
        register_module("map_augment", std::make_shared<Linear>(o.augment_dim, o.model_channels, false, init_zero));
  map_layer0_ = register_module("map_layer0", std::make_shared<Linear>(o.model_channels, emb_channels, true, init));
  map_layer1_ = register_module("map_layer1", std::make_shared<Linear>(emb_channels, emb_channels, true, init));
  if (o.label_dim)
    map_label_ = register_module(
        "map_label", std::make_shared<Linear>(o.label_dim, emb_channels, false,
                                              InitOptions{"kaiming_normal", std::sqrt(double(o.label_dim)), 0}));

  auto enc = register_module("enc", std::make_shared<torch::nn::Module>());
  std::vector<int64_t> skips;
  int64_t cout = o.in_channels;
  for (size_t level = 0; level < o.channel_mult.size(); ++level) {
    const int64_t res = o.img_resolution >> level;
    if (level == 0) {
      const int64_t cin = cout;
      cout = o.model_channels * o.channel_mult[0];
      enc_conv_ = enc->register_module(level_name(res, "conv"),
                                       std::make_shared<Conv2d>(cin, cout, 3, true, ResampleOptions{}, init));
    } else {
      enc_blocks_.push_back(enc->register_module(level_name(res, "down"), make_block(cout, cout, false, true, false)));
    }
    skips.push_back(cout);
    for (int64_t i = 0; i < o.num_blocks; ++i) {
      const int64_t cin = cout;
      cout = o.model_channels * o.channel_mult[level];
      enc_blocks_.push_back(enc->register_module(level_name(res, "block" + std::to_string(i)),
                                                 make_block(cin, cout, false, false, attn_at(res))));
      skips.push_back(cout);
    }
  }

  auto dec = register_module("dec", std::make_shared<torch::nn::Module>());
  const size_t levels = o.channel_mult.size();
  for (size_t level = levels; level-- > 0;) {
    const int64_t res = o.img_resolution >> level;
    if (level == levels - 1) {
      dec_blocks_.push_back(dec->register_module(level_name(res, "in0"), make_block(cout, cout, false, false, true)));
      dec_blocks_.push_back(dec->register_module(level_name(res, "in1"), make_block(cout, cout, false, false, false)));
    } else {
      dec_blocks_.push_back(dec->register_module(level_name(res, "up"), make_block(cout, cout, true, false, false)));
    }
    for (int64_t i = 0; i <= o.num_blocks; ++i) {
      const int64_t cin = cout + skips.back();
      skips.pop_back();
      cout = o.model_channels * o.channel_mult[level];
      dec_blocks_.push_back(dec->register_module(level_name(res, "block" + std::to_string(i)),
                                                 make_block(cin, cout, false, false, attn_at(res))));
    }
  }
  out_norm_ = register_module("out_norm", std::make_shared<GroupNorm>(cout));
  out_conv_ = register_module("out_conv",
                              std::make_shared<Conv2d>(cout, o.out_channels, 3, true, ResampleOptions{}, init_zero));
}

torch::Tensor DhariwalUNet::forward(const torch::Tensor& x_in, const torch::Tensor& c_noise,
                                    const torch::Tensor& class_labels, const torch::Tensor& augment_labels) {
  auto emb = positional_embedding(c_noise, options.model_channels, false);
  if (map_augment_ && augment_labels.defined()) emb = emb + map_augment_->forward(augment_labels);
  emb = torch::silu(map_layer0_->forward(emb));
  emb = map_layer1_->forward(emb);
  if (map_label_) {
    auto labels = class_labels;
    if (is_training() && options.label_dropout > 0)
      labels = labels * (torch::rand({labels.size(0), 1}, labels.options()) >= options.label_dropout).to(labels.dtype());
    emb = emb + map_label_->forward(labels);
  }
  emb = torch::silu(emb);

  auto x = enc_conv_->forward(x_in);
  std::vector<torch::Tensor> skips{x};
  for (auto& block : enc_blocks_) {
    x = block->forward(x, emb);
    skips.push_back(x);
  }
  for (auto& block : dec_blocks_) {
    if (x.size(1) != block->options.in_channels) {
      x = torch::cat({x, skips.back()}, 1);
      skips.pop_back();
    }
    x = block->forward(x, emb);
  }
  return out_conv_->forward(torch::silu(out_norm_->forward(x)));
}

}  // namespace pfgm::networks
