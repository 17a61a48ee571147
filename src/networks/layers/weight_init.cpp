#include "pfgm/networks/layers/weight_init.h"

#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::networks::layers {

namespace {
thread_local bool skip_init = false;
}

SkipInit::SkipInit() : outer_(skip_init) { skip_init = true; }
SkipInit::~SkipInit() { skip_init = outer_; }

torch::Tensor weight_init(at::IntArrayRef shape, const std::string& mode, int64_t fan_in, int64_t fan_out) {
  if (skip_init) return torch::empty(shape);
  const double fi = static_cast<double>(fan_in), fo = static_cast<double>(fan_out);
  if (mode == "xavier_uniform") return std::sqrt(6 / (fi + fo)) * (torch::rand(shape) * 2 - 1);
  if (mode == "xavier_normal") return std::sqrt(2 / (fi + fo)) * torch::randn(shape);
  if (mode == "kaiming_uniform") return std::sqrt(3 / fi) * (torch::rand(shape) * 2 - 1);
  if (mode == "kaiming_normal") return std::sqrt(1 / fi) * torch::randn(shape);
  throw Error("[network] init_mode: got '" + mode +
              "', expected xavier_uniform, xavier_normal, kaiming_uniform or kaiming_normal");
}

}  // namespace pfgm::networks::layers
