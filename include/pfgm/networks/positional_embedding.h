#pragma once
// EDM (Karras et al. 2022), networks.py PositionalEmbedding: the transformer sinusoid of the noise
// label, freq_i = (1/max_positions)^(i/(C/2 − endpoint)), output [cos, sin].
#include <torch/types.h>

namespace pfgm::networks {

// c_noise [B] → [B, channels].
torch::Tensor positional_embedding(const torch::Tensor& c_noise, int64_t channels, bool endpoint,
                                   double max_positions = 10000);

}  // namespace pfgm::networks
