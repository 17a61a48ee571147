#pragma once
// EDM's U-Net block (Karras et al. 2022, App. B; networks.py UNetBlock), shared by DDPM++, NCSN++
// and ADM: GroupNorm → SiLU → conv (optionally resampling), the noise embedding added (DDPM++) or
// applied as an adaptive scale and shift (ADM), GroupNorm → SiLU → dropout → conv, a skip, and
// optional multi-head self-attention.
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/module.h>

#include "pfgm/networks/layers/conv2d.h"
#include "pfgm/networks/layers/group_norm.h"
#include "pfgm/networks/layers/linear.h"

namespace pfgm::networks {

struct UNetBlockOptions {
  int64_t in_channels = 0, out_channels = 0, emb_channels = 0;
  bool up = false, down = false, attention = false;
  std::optional<int64_t> num_heads;  // default: out_channels / channels_per_head
  int64_t channels_per_head = 64;
  double dropout = 0;
  double skip_scale = 1;
  double eps = 1e-5;
  std::vector<double> resample_filter{1, 1};
  bool resample_proj = false;  // 1×1 convolution on a resampling skip even when channels match
  bool adaptive_scale = true;
  layers::InitOptions init{};
  layers::InitOptions init_zero{"kaiming_normal", 0, 0};
  std::optional<layers::InitOptions> init_attn;

  int64_t heads() const;
};

// The block's constructor arguments as the reference names them (in_channels, out_channels, …).
UNetBlockOptions unet_block_options_from_json(const nlohmann::json& config);

class UNetBlock : public torch::nn::Module {
 public:
  explicit UNetBlock(const UNetBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& emb);

  const UNetBlockOptions options;

 private:
  torch::Tensor attention(const torch::Tensor& h);

  std::shared_ptr<layers::GroupNorm> norm0_, norm1_, norm2_;
  std::shared_ptr<layers::Conv2d> conv0_, conv1_, skip_, qkv_, proj_;
  std::shared_ptr<layers::Linear> affine_;
};

// A block of the given options with in → out channels, resampling and attention set.
std::shared_ptr<UNetBlock> make_unet_block(UNetBlockOptions options, int64_t in, int64_t out, bool up, bool down,
                                           bool attention);

}  // namespace pfgm::networks
