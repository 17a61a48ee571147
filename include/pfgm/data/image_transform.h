#pragma once
// dataset_tool.py's image transforms (spec 6.1): a PIL-like Lanczos resize, centre crop and the
// letterboxing centre-crop-wide. Images are uint8 [C, H, W].
#include <string>

#include <torch/types.h>

namespace pfgm::data {

enum class Transform {
  None,           // resize to the target size when one is given
  CenterCrop,     // crop the central square, to RGB, resize
  CenterCropWide  // crop rows to the target aspect, to RGB, resize, letterbox into a square
};

// "center-crop" | "center-crop-wide" | "" (none); anything else throws pfgm::Error.
Transform parse_transform(const std::string& name);
std::string to_string(Transform t);

// Resizes to width × height with PIL's LANCZOS filter (a = 3): separable, horizontal pass first,
// the filter's support widened by the downscale factor, weights normalised per output pixel,
// rounded to uint8 between the passes. Pixels may differ from PIL's fixed-point arithmetic by 1.
torch::Tensor resize_lanczos(const torch::Tensor& image, int64_t width, int64_t height);

// The central min(H, W) square, grey repeated to RGB, resized to width × height.
torch::Tensor center_crop(const torch::Tensor& image, int64_t width, int64_t height);

// The central round(width·H/W) rows, grey repeated to RGB, resized to width × height and placed in
// the middle rows of a black width × width canvas. Undefined (the image is skipped, as
// dataset_tool.py does) when W < width or the cropped rows number fewer than height.
torch::Tensor center_crop_wide(const torch::Tensor& image, int64_t width, int64_t height);

// dataset_tool.py's transform: `t`, with width/height 0 meaning "keep the image's".
torch::Tensor transform_image(const torch::Tensor& image, Transform t, int64_t width, int64_t height);

}  // namespace pfgm::data
