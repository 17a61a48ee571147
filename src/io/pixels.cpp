#include "pfgm/io/pixels.h"

namespace pfgm::io {

torch::Tensor to_model_range(const torch::Tensor& images) { return images.to(torch::kFloat32) / 127.5 - 1; }

torch::Tensor to_uint8(const torch::Tensor& x) {
  return (x.to(torch::kFloat32) * 127.5 + 128).clamp(0, 255).to(torch::kUInt8);
}

}  // namespace pfgm::io
