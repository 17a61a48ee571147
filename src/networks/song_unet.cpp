#include "pfgm/networks/song_unet.h"

#include <algorithm>
#include <cmath>

#include <torch/nn/module.h>

#include "pfgm/core/text.h"
#include "pfgm/networks/network_options.h"
#include "pfgm/networks/positional_embedding.h"

namespace pfgm::networks {

using layers::Conv2d;
using layers::GroupNorm;
using layers::InitOptions;
using layers::Linear;
using layers::ResampleOptions;

SongUNetOptions song_unet_options_from_json(const nlohmann::json& j) {
  SongUNetOptions o;
  NetworkArguments a("SongUNet", j);
  read_unet_arguments(a, o, "SongUNet");
  a.read("embedding_type", o.embedding_type);
  a.read("channel_mult_noise", o.channel_mult_noise);
  a.read("encoder_type", o.encoder_type);
  a.read("decoder_type", o.decoder_type);
  a.read("resample_filter", o.resample_filter);
  a.finish();
  PFGM_CHECK(o.embedding_type == "positional" || o.embedding_type == "fourier",
             "[config] SongUNet embedding_type: got '", o.embedding_type, "', expected positional or fourier");
  PFGM_CHECK(o.encoder_type == "standard" || o.encoder_type == "skip" || o.encoder_type == "residual",
             "[config] SongUNet encoder_type: got '", o.encoder_type, "', expected standard, skip or residual");
  PFGM_CHECK(o.decoder_type == "standard" || o.decoder_type == "skip", "[config] SongUNet decoder_type: got '",
             o.decoder_type, "', expected standard or skip");
  return o;
}

namespace {

bool contains(const std::vector<int64_t>& v, int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// The block settings DDPM++ and NCSN++ share (networks.py SongUNet's block_kwargs).
UNetBlockOptions song_block_options(const SongUNetOptions& o) {
  UNetBlockOptions block;
  block.emb_channels = o.model_channels * o.channel_mult_emb;
  block.num_heads = 1;
  block.dropout = o.dropout;
  block.skip_scale = std::sqrt(0.5);
  block.eps = 1e-6;
  block.resample_filter = o.resample_filter;
  block.resample_proj = true;
  block.adaptive_scale = false;
  block.init = InitOptions{"xavier_uniform", 1, 0};
  block.init_zero = InitOptions{"xavier_uniform", 1e-5, 0};
  block.init_attn = InitOptions{"xavier_uniform", std::sqrt(0.2), 0};
  return block;
}

}  // namespace

SongUNet::SongUNet(const SongUNetOptions& o) : options(o) {
  const int64_t emb_channels = o.model_channels * o.channel_mult_emb;
  const int64_t noise_channels = o.model_channels * o.channel_mult_noise;
  const auto block = song_block_options(o);
  const auto& init = block.init;

  // Mapping network.
  if (o.embedding_type == "fourier")
    fourier_ = register_module("map_noise", std::make_shared<layers::FourierEmbedding>(noise_channels));
  if (o.label_dim)
    map_label_ = register_module("map_label", std::make_shared<Linear>(o.label_dim, noise_channels, true, init));
  if (o.augment_dim)
    map_augment_ = register_module("map_augment", std::make_shared<Linear>(o.augment_dim, noise_channels, false, init));
  map_layer0_ = register_module("map_layer0", std::make_shared<Linear>(noise_channels, emb_channels, true, init));
  map_layer1_ = register_module("map_layer1", std::make_shared<Linear>(emb_channels, emb_channels, true, init));

  build_decoder(block, build_encoder(block));
}

std::vector<int64_t> SongUNet::build_encoder(const UNetBlockOptions& block) {
  const auto& o = options;
  const auto& init = block.init;
  auto enc = register_module("enc", std::make_shared<torch::nn::Module>());
  auto add_enc = [&](const std::string& name, std::shared_ptr<torch::nn::Module> m) {
    enc->register_module(name, m);
    enc_.push_back({name, m});
  };
  const ResampleOptions down_filter{false, true, o.resample_filter, false};
  std::vector<int64_t> skips;
  int64_t cout = o.in_channels, caux = o.in_channels;
  for (size_t level = 0; level < o.channel_mult.size(); ++level) {
    const int64_t res = o.img_resolution >> level;
    if (level == 0) {
      const int64_t cin = cout;
      cout = o.model_channels;
      add_enc(level_name(res, "conv"), std::make_shared<Conv2d>(cin, cout, 3, true, ResampleOptions{}, init));
      skips.push_back(cout);
    } else {
      add_enc(level_name(res, "down"), make_unet_block(block, cout, cout, false, true, false));
      skips.push_back(cout);
      if (o.encoder_type == "skip") {
        add_enc(level_name(res, "aux_down"), std::make_shared<Conv2d>(caux, caux, 0, true, down_filter));
        add_enc(level_name(res, "aux_skip"), std::make_shared<Conv2d>(caux, cout, 1, true, ResampleOptions{}, init));
      }
      if (o.encoder_type == "residual") {
        add_enc(level_name(res, "aux_residual"),
                std::make_shared<Conv2d>(caux, cout, 3, true, ResampleOptions{false, true, o.resample_filter, true},
                                         init));
        caux = cout;
      }
    }
    for (int64_t i = 0; i < o.num_blocks; ++i) {
      const int64_t cin = cout;
      cout = o.model_channels * o.channel_mult[level];
      add_enc(level_name(res, "block" + std::to_string(i)),
              make_unet_block(block, cin, cout, false, false, contains(o.attn_resolutions, res)));
      skips.push_back(cout);
    }
  }
  return skips;
}

void SongUNet::build_decoder(const UNetBlockOptions& block, std::vector<int64_t> skips) {
  const auto& o = options;
  auto dec = register_module("dec", std::make_shared<torch::nn::Module>());
  auto add_dec = [&](const std::string& name, std::shared_ptr<torch::nn::Module> m) {
    dec->register_module(name, m);
    dec_.push_back({name, m});
  };
  int64_t cout = skips.back();  // the encoder's output: its last skip
  const size_t levels = o.channel_mult.size();
  for (size_t level = levels; level-- > 0;) {
    const int64_t res = o.img_resolution >> level;
    if (level == levels - 1) {
      add_dec(level_name(res, "in0"), make_unet_block(block, cout, cout, false, false, true));
      add_dec(level_name(res, "in1"), make_unet_block(block, cout, cout, false, false, false));
    } else {
      add_dec(level_name(res, "up"), make_unet_block(block, cout, cout, true, false, false));
    }
    for (int64_t i = 0; i <= o.num_blocks; ++i) {
      const int64_t cin = cout + skips.back();
      skips.pop_back();
      cout = o.model_channels * o.channel_mult[level];
      const bool attention = i == o.num_blocks && contains(o.attn_resolutions, res);
      add_dec(level_name(res, "block" + std::to_string(i)), make_unet_block(block, cin, cout, false, false, attention));
    }
    if (o.decoder_type == "skip" || level == 0) {
      if (o.decoder_type == "skip" && level < levels - 1)
        add_dec(level_name(res, "aux_up"),
                std::make_shared<Conv2d>(o.out_channels, o.out_channels, 0, true,
                                         ResampleOptions{true, false, o.resample_filter, false}));
      add_dec(level_name(res, "aux_norm"), std::make_shared<GroupNorm>(cout, 32, 4, 1e-6));
      add_dec(level_name(res, "aux_conv"),
              std::make_shared<Conv2d>(cout, o.out_channels, 3, true, ResampleOptions{}, block.init_zero));
    }
  }
}

torch::Tensor SongUNet::forward(const torch::Tensor& x_in, const torch::Tensor& c_noise,
                                const torch::Tensor& class_labels, const torch::Tensor& augment_labels) {
  // Mapping: the embedding's halves swapped to [sin, cos] (score_sde's order).
  auto emb = fourier_ ? fourier_->forward(c_noise)
                      : positional_embedding(c_noise, options.model_channels * options.channel_mult_noise, true);
  emb = emb.reshape({emb.size(0), 2, -1}).flip(1).reshape(emb.sizes());
  if (map_label_) {
    auto labels = class_labels;
    if (is_training() && options.label_dropout > 0)
      labels =
          labels * (torch::rand({labels.size(0), 1}, labels.options()) >= options.label_dropout).to(labels.dtype());
    emb = emb + map_label_->forward(labels * std::sqrt(static_cast<double>(map_label_->in_features)));
  }
  if (map_augment_ && augment_labels.defined()) emb = emb + map_augment_->forward(augment_labels);
  emb = torch::silu(map_layer0_->forward(emb));
  emb = torch::silu(map_layer1_->forward(emb));

  // Encoder.
  auto x = x_in;
  auto aux = x_in;
  std::vector<torch::Tensor> skips;
  for (const auto& [name, m] : enc_) {
    if (core::ends_with(name, "aux_down")) {
      aux = static_cast<Conv2d&>(*m).forward(aux);
    } else if (core::ends_with(name, "aux_skip")) {
      x = skips.back() = x + static_cast<Conv2d&>(*m).forward(aux);
    } else if (core::ends_with(name, "aux_residual")) {
      x = skips.back() = aux = (x + static_cast<Conv2d&>(*m).forward(aux)) / std::sqrt(2.0);
    } else {
      x = core::ends_with(name, "_conv") ? static_cast<Conv2d&>(*m).forward(x) : static_cast<UNetBlock&>(*m).forward(x, emb);
      skips.push_back(x);
    }
  }

  // Decoder.
  torch::Tensor out, tmp;
  for (const auto& [name, m] : dec_) {
    if (core::ends_with(name, "aux_up")) {
      out = static_cast<Conv2d&>(*m).forward(out);
    } else if (core::ends_with(name, "aux_norm")) {
      tmp = static_cast<GroupNorm&>(*m).forward(x);
    } else if (core::ends_with(name, "aux_conv")) {
      tmp = static_cast<Conv2d&>(*m).forward(torch::silu(tmp));
      out = out.defined() ? tmp + out : tmp;
    } else {
      auto& block = static_cast<UNetBlock&>(*m);
      if (x.size(1) != block.options.in_channels) {
        x = torch::cat({x, skips.back()}, 1);
        skips.pop_back();
      }
      x = block.forward(x, emb);
    }
  }
  return out;
}

}  // namespace pfgm::networks
