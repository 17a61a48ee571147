#include "pfgm/samplers/denoiser.h"

#include <torch/types.h>

#include "pfgm/networks/model.h"

namespace pfgm::samplers {

Denoiser denoiser_of(networks::Model& model, const torch::Tensor& class_labels) {
  return [&model, class_labels](const torch::Tensor& x, const torch::Tensor& sigma) {
    at::NoGradGuard no_grad;
    const auto device = model.device();
    return model.denoise(x.to(device), sigma.to(device), class_labels).to(x.device(), at::kDouble);
  };
}

FieldFn field_of(networks::Model& model) {
  return [&model](const torch::Tensor& x, const torch::Tensor& z) {
    at::NoGradGuard no_grad;
    const auto device = model.device();
    return model.field(x.to(device), z.to(device)).to(x.device(), at::kDouble);
  };
}

}  // namespace pfgm::samplers
