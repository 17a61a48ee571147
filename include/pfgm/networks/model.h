#pragma once
// The model a checkpoint holds: the inner network F under the official key prefix `model.`, with
// EDM's preconditioning D(x; σ) = c_skip·x + c_out·F(c_in·x; c_noise) (Karras et al. 2022, Eq. (7);
// PFGM++ keeps it, Xu et al. 2023, Sec. 4), or PFGM's raw field v(x, z) = F(x; ln z) (Xu et al. 2022).
#include <memory>

#include "pfgm/networks/model_config.h"
#include "pfgm/networks/network.h"

namespace pfgm::networks {

class Model : public torch::nn::Module {
 public:
  explicit Model(const ModelConfig& config);

  // EDM/PFGM++: D(x; σ) in float32 for x [B, ...] and σ [B] or [1] (cast to float32 as EDMPrecond does).
  // F_x, when given, receives the inner network's output.
  torch::Tensor denoise(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& class_labels = {},
                        const torch::Tensor& augment_labels = {}, torch::Tensor* F_x = nullptr);
  // PFGM: the predicted normalised field [B, N+1] at x [B, N], z [B] (z clamped to ≥ 1e−10 as the reference).
  torch::Tensor field(const torch::Tensor& x, const torch::Tensor& z);

  torch::Device device() const;  // where the parameters are (the CPU for a model without any)

  // Channels-last (NHWC) weights, buffers and network inputs: the same network, laid out for the
  // CPU's fast convolutions (oneDNN) and the fused GroupNorm. Outputs keep x's layout.
  void set_channels_last(bool on);
  bool channels_last() const { return channels_last_; }

  const ModelConfig& config() const { return config_; }
  std::shared_ptr<Network> model;

 private:
  torch::Tensor network_layout(const torch::Tensor& x) const;

  ModelConfig config_;
  bool use_fp16_ = false;
  bool channels_last_ = false;
};

// Builds the network of config.family.
std::shared_ptr<Network> make_network(const ModelConfig& config);

}  // namespace pfgm::networks
