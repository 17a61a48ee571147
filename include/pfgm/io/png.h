#pragma once
// PNG images as the official generate.py writes them: 8-bit grey (1 channel) or RGB (3 channels),
// from uint8 [C, H, W] tensors; grids of many images; atomic files. Decoding for datasets (spec 6.2).
#include <string>

#include <torch/types.h>

namespace pfgm::io {

// The PNG bytes of one uint8 image [C, H, W] (C = 1 or 3). `level` is zlib's compression level
// (−1: zlib's default; 0: stored, as dataset_tool.py writes, spec 6.1).
std::string encode_png(const torch::Tensor& image, int level = -1);

// The pixels of PNG `bytes` as uint8 [C, H, W]; `name` is used in error messages. Grey → C = 1,
// RGB → C = 3. Converted as PIL's convert('L'/'RGB') would: palette → RGB, 1/2/4-bit grey → 8-bit,
// 16-bit → 8-bit (high byte), alpha dropped (grey+alpha → grey, RGBA → RGB). A truncated or
// corrupt file throws pfgm::Error naming `name`.
torch::Tensor decode_png(const std::string& bytes, const std::string& name);

// Writes encode_png(image) to `path` atomically.
void write_png(const std::string& path, const torch::Tensor& image);

// Images [B, C, H, W] uint8 laid out in a grid of `columns` (0: about square), 2-pixel gaps.
torch::Tensor image_grid(const torch::Tensor& images, int64_t columns = 0);

}  // namespace pfgm::io
