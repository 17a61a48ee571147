#pragma once
// The U-Net of Song et al. 2021 in EDM's re-implementation (networks.py SongUNet): DDPM++
// (positional embedding, standard encoder) and NCSN++ (Fourier embedding, residual encoder,
// [1,3,3,1] resampling), as the PFGM++ paper trains them on CIFAR-10 and FFHQ.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "pfgm/networks/layers/fourier_embedding.h"
#include "pfgm/networks/layers/linear.h"
#include "pfgm/networks/network.h"
#include "pfgm/networks/unet_block.h"

namespace pfgm::networks {

struct SongUNetOptions {
  int64_t img_resolution = 32, in_channels = 3, out_channels = 3;
  int64_t label_dim = 0, augment_dim = 0;
  int64_t model_channels = 128;
  std::vector<int64_t> channel_mult{1, 2, 2, 2};
  int64_t channel_mult_emb = 4;
  int64_t num_blocks = 4;
  std::vector<int64_t> attn_resolutions{16};
  double dropout = 0.10;
  double label_dropout = 0;
  std::string embedding_type = "positional";  // positional (DDPM++) | fourier (NCSN++)
  int64_t channel_mult_noise = 1;
  std::string encoder_type = "standard";  // standard | skip | residual
  std::string decoder_type = "standard";  // standard | skip
  std::vector<double> resample_filter{1, 1};
};

// From a model config's network arguments (img_resolution, img_channels, label_dim and the
// constructor arguments by their reference names); unknown arguments are errors.
SongUNetOptions song_unet_options_from_json(const nlohmann::json& config);

class SongUNet : public Network {
 public:
  explicit SongUNet(const SongUNetOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& c_noise, const torch::Tensor& class_labels = {},
                        const torch::Tensor& augment_labels = {}) override;

  const SongUNetOptions options;

 private:
  // A named module of the encoder or decoder, in construction (= state_dict) order.
  struct Stage {
    std::string name;
    std::shared_ptr<torch::nn::Module> module;
  };
  // Registers "enc" and its modules; returns the channels of each skip connection, in order.
  std::vector<int64_t> build_encoder(const UNetBlockOptions& block);
  // Registers "dec" and its modules, consuming the encoder's skips from the innermost.
  void build_decoder(const UNetBlockOptions& block, std::vector<int64_t> skips);

  std::shared_ptr<layers::FourierEmbedding> fourier_;
  std::shared_ptr<layers::Linear> map_label_, map_augment_, map_layer0_, map_layer1_;
  std::vector<Stage> enc_, dec_;
};

}  // namespace pfgm::networks
