#pragma once
// The ADM U-Net of Dhariwal & Nichol 2021 in EDM's re-implementation (networks.py DhariwalUNet):
// adaptive group-norm scale and shift, 64 channels per attention head, class embedding added after
// the mapping network.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "pfgm/networks/layers/conv2d.h"
#include "pfgm/networks/layers/group_norm.h"
#include "pfgm/networks/layers/linear.h"
#include "pfgm/networks/network.h"
#include "pfgm/networks/unet_block.h"

namespace pfgm::networks {

struct DhariwalUNetOptions {
  int64_t img_resolution = 64, in_channels = 3, out_channels = 3;
  int64_t label_dim = 0, augment_dim = 0;
  int64_t model_channels = 192;
  std::vector<int64_t> channel_mult{1, 2, 3, 4};
  int64_t channel_mult_emb = 4;
  int64_t num_blocks = 3;
  std::vector<int64_t> attn_resolutions{32, 16, 8};
  double dropout = 0.10;
  double label_dropout = 0;
};

DhariwalUNetOptions dhariwal_unet_options_from_json(const nlohmann::json& config);

class DhariwalUNet : public Network {
 public:
  explicit DhariwalUNet(const DhariwalUNetOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& c_noise, const torch::Tensor& class_labels = {},
                        const torch::Tensor& augment_labels = {}) override;

  const DhariwalUNetOptions options;

 private:
  std::shared_ptr<layers::Linear> map_augment_, map_layer0_, map_layer1_, map_label_;
  std::shared_ptr<layers::Conv2d> enc_conv_, out_conv_;
  std::shared_ptr<layers::GroupNorm> out_norm_;
  std::vector<std::shared_ptr<UNetBlock>> enc_blocks_, dec_blocks_;
};

}  // namespace pfgm::networks
