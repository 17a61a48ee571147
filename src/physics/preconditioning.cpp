#include "pfgm/physics/preconditioning.h"

#include <torch/types.h>

namespace pfgm::physics {

EDMScalings edm_scalings(const torch::Tensor& sigma, double sigma_data) {
  const double sd2 = sigma_data * sigma_data;
  const auto s2 = sigma * sigma;
  EDMScalings c;
  c.c_skip = sd2 / (s2 + sd2);                           // σ_d² / (σ² + σ_d²)
  c.c_out = sigma * sigma_data / torch::sqrt(s2 + sd2);  // σ·σ_d / sqrt(σ² + σ_d²)
  c.c_in = 1 / torch::sqrt(sd2 + s2);                    // 1 / sqrt(σ_d² + σ²)
  c.c_noise = torch::log(sigma) / 4;                     // ln(σ) / 4
  return c;
}

torch::Tensor edm_loss_weight(const torch::Tensor& sigma, double sigma_data) {
  return (sigma * sigma + sigma_data * sigma_data) / ((sigma * sigma_data) * (sigma * sigma_data));
}

}  // namespace pfgm::physics
