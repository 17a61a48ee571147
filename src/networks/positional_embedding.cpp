#include "pfgm/networks/positional_embedding.h"

#include <torch/types.h>

namespace pfgm::networks {

torch::Tensor positional_embedding(const torch::Tensor& c_noise, int64_t channels, bool endpoint,
                                   double max_positions) {
  const int64_t half = channels / 2;
  auto freqs = torch::arange(0, half, c_noise.options().dtype(torch::kFloat32));
  freqs = freqs / static_cast<double>(half - (endpoint ? 1 : 0));
  freqs = torch::pow(1.0 / max_positions, freqs);
  const auto x = torch::outer(c_noise.to(freqs.dtype()), freqs);
  return torch::cat({torch::cos(x), torch::sin(x)}, 1);
}

}  // namespace pfgm::networks
