#pragma once
// PNG images as the official generate.py writes them: 8-bit grey (1 channel) or RGB (3 channels),
// from uint8 [C, H, W] tensors; grids of many images; atomic files.
#include <string>

#include <torch/types.h>

namespace pfgm::io {

// The PNG bytes of one uint8 image [C, H, W] (C = 1 or 3).
std::string encode_png(const torch::Tensor& image);

// Writes encode_png(image) to `path` atomically.
void write_png(const std::string& path, const torch::Tensor& image);

// Images [B, C, H, W] uint8 laid out in a grid of `columns` (0: about square), 2-pixel gaps.
torch::Tensor image_grid(const torch::Tensor& images, int64_t columns = 0);

// Generated samples in [−1, 1] → uint8 as generate.py: clip(x·127.5 + 128, 0, 255), truncated.
torch::Tensor to_uint8(const torch::Tensor& x);

}  // namespace pfgm::io
