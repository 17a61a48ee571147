#pragma once
// Pixels and model units: images are uint8 in [0, 255] in files and in [−1, 1] in the networks
// (EDM's dataset scaling and generate.py's conversion back).
#include <torch/types.h>

namespace pfgm::io {

// uint8 images → float32 in [−1, 1]: x/127.5 − 1.
torch::Tensor to_model_range(const torch::Tensor& images);

// Generated samples in [−1, 1] → uint8 as generate.py: clip(x·127.5 + 128, 0, 255), truncated.
torch::Tensor to_uint8(const torch::Tensor& x);

}  // namespace pfgm::io
