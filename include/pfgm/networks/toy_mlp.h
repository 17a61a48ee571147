#pragma once
// A residual MLP for N-dimensional vector data, conditioned on the noise label through EDM's
// positional embedding and mapping network (Karras et al. 2022, App. B.1), like the PFGM++ toy model.
#include <memory>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/modules/linear.h>

#include "pfgm/networks/network.h"

namespace pfgm::networks {

struct ToyMLPOptions {
  int64_t in_dim = 2;          // N, the data dimension
  int64_t out_dim = 2;         // N (denoiser) or N + 1 (PFGM field)
  int64_t hidden = 256;        // width of every layer
  int64_t num_blocks = 4;      // residual blocks
  int64_t noise_channels = 64; // positional embedding width
};

ToyMLPOptions toy_mlp_options_from_json(const nlohmann::json& config);

// state_dict: map_layer0, map_layer1, input, blocks.<i>.{fc0, affine, fc1}, output, skip, skip_gain.
class ToyMLP : public Network {
 public:
  explicit ToyMLP(const ToyMLPOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& c_noise, const torch::Tensor& class_labels = {},
                        const torch::Tensor& augment_labels = {}) override;
  const ToyMLPOptions& options() const { return options_; }

 private:
  ToyMLPOptions options_;
  torch::nn::Linear map_layer0_{nullptr}, map_layer1_{nullptr}, input_{nullptr}, output_{nullptr}, skip_{nullptr},
      skip_gain_{nullptr};
  std::vector<torch::nn::Linear> fc0_, affine_, fc1_;
};

}  // namespace pfgm::networks
