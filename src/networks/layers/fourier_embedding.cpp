#include "pfgm/networks/layers/fourier_embedding.h"

#include <cmath>

#include <torch/types.h>

namespace pfgm::networks::layers {

FourierEmbedding::FourierEmbedding(int64_t C, double scale) {
  freqs = register_buffer("freqs", torch::randn({C / 2}) * scale);
}

torch::Tensor FourierEmbedding::forward(const torch::Tensor& c_noise) {
  // The phase as the reference forms it in float32: c ⊗ (2π·f).
  const auto x = torch::outer(c_noise, (2 * M_PI * freqs).to(c_noise.scalar_type()));
  return torch::cat({torch::cos(x), torch::sin(x)}, 1);
}

}  // namespace pfgm::networks::layers
