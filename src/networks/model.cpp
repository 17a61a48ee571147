#include "pfgm/networks/model.h"

#include <torch/nn/module.h>

#include "pfgm/core/error.h"
#include "pfgm/networks/dhariwal_unet.h"
#include "pfgm/networks/ncsnpp.h"
#include "pfgm/networks/song_unet.h"
#include "pfgm/networks/toy_mlp.h"
#include "pfgm/physics/preconditioning.h"

namespace pfgm::networks {

std::shared_ptr<Network> make_network(const ModelConfig& c) {
  switch (c.family) {
    case NetworkFamily::ToyMLP: {
      auto o = toy_mlp_options_from_json(c.network);
      o.in_dim = c.N;
      o.out_dim = c.precond == Precond::PFGM ? c.N + 1 : c.N;
      return std::make_shared<ToyMLP>(o);
    }
    case NetworkFamily::SongUNet: return std::make_shared<SongUNet>(song_unet_options_from_json(c.network));
    case NetworkFamily::DhariwalUNet: return std::make_shared<DhariwalUNet>(dhariwal_unet_options_from_json(c.network));
    case NetworkFamily::NCSNpp:
      PFGM_CHECK(c.precond == Precond::PFGM, "[config] NCSNpp is the original PFGM's field network: precond must be pfgm");
      return std::make_shared<NCSNpp>(ncsnpp_options_from_json(c.network));
  }
  throw Error("[config] unknown network family");
}

Model::Model(const ModelConfig& config) : config_(config) {
  config.check();
  // The official PFGM checkpoints keep the network under `module.` (a DataParallel wrapper).
  model = register_module(config.family == NetworkFamily::NCSNpp ? "module" : "model", make_network(config));
  use_fp16_ = config.network.value("use_fp16", false);
}

torch::Tensor Model::network_layout(const torch::Tensor& x) const {
  if (!channels_last_ || x.dim() != 4) return x;
  // With one channel both layouts share the strides LibTorch reads as NCHW; spell NHWC's out so the
  // first convolution already returns channels-last.
  if (x.size(1) == 1) return x.contiguous().as_strided(x.sizes(), {x.size(2) * x.size(3), 1, x.size(3), 1});
  return x.contiguous(at::MemoryFormat::ChannelsLast);
}

void Model::set_channels_last(bool on) {
  at::NoGradGuard no_grad;
  const auto format = on ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  for (auto& p : parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(format));
  for (auto& b : buffers())
    if (b.dim() == 4) b.set_data(b.contiguous(format));
  channels_last_ = on;
}

torch::Tensor Model::denoise(const torch::Tensor& x_in, const torch::Tensor& sigma_in, const torch::Tensor& class_labels,
                             const torch::Tensor& augment_labels, torch::Tensor* F_out) {
  const auto x = x_in.to(torch::kFloat32);
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = -1;
  const auto sigma = sigma_in.to(x.device(), torch::kFloat32).reshape(shape);
  const auto c = physics::edm_scalings(sigma, config_.sigma_data);
  // Labels as EDMPrecond passes them: none without classes, zeros [1, label_dim] when not given.
  torch::Tensor labels;
  if (const int64_t label_dim = config_.label_dim()) {
    labels = class_labels.defined() ? class_labels.to(x.device(), torch::kFloat32).reshape({-1, label_dim})
                                    : torch::zeros({1, label_dim}, x.options());
  }
  const auto dtype = use_fp16_ && x.is_cuda() ? torch::kFloat16 : torch::kFloat32;
  const auto F_x = model->forward(network_layout((c.c_in * x).to(dtype)), c.c_noise.flatten(), labels,
                                  augment_labels.defined() ? augment_labels.to(x.device(), torch::kFloat32) : augment_labels);
  if (F_out) *F_out = F_x.to(torch::kFloat32);
  return c.c_skip * x + c.c_out * F_x.to(torch::kFloat32);
}

torch::Tensor Model::field(const torch::Tensor& x, const torch::Tensor& z) {
  const auto zz = z.to(x.device(), torch::kFloat32).reshape({-1}).clamp_min(1e-10);
  // The image network embeds z itself (or ln z, by its embedding type); the vector MLP takes ln z.
  auto input = x.to(torch::kFloat32);
  if (config_.is_image()) input = input.reshape({-1, config_.img_channels(), config_.img_resolution(), config_.img_resolution()});
  return model->forward(network_layout(input), config_.family == NetworkFamily::NCSNpp ? zz : torch::log(zz));
}

torch::Device Model::device() const {
  const auto params = parameters();
  return params.empty() ? torch::Device(torch::kCPU) : params.front().device();
}

}  // namespace pfgm::networks
