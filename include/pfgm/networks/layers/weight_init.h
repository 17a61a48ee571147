#pragma once
// EDM (Karras et al. 2022), networks.py weight_init: the four initialisation modes of every Linear
// and Conv2d, scaled by init_weight (weights) and init_bias (biases).
#include <string>

#include <torch/types.h>

namespace pfgm::networks::layers {

struct InitOptions {
  std::string mode = "kaiming_normal";  // xavier_uniform | xavier_normal | kaiming_uniform | kaiming_normal
  double init_weight = 1;
  double init_bias = 0;
};

// xavier_uniform √(6/(fan_in+fan_out))·U(−1,1); xavier_normal √(2/(fan_in+fan_out))·N(0,1);
// kaiming_uniform √(3/fan_in)·U(−1,1); kaiming_normal √(1/fan_in)·N(0,1).
torch::Tensor weight_init(at::IntArrayRef shape, const std::string& mode, int64_t fan_in, int64_t fan_out);

// While alive on this thread, weight_init returns uninitialised memory: for networks whose every
// weight is about to be loaded from a file (or only counted), which saves the random draws.
class SkipInit {
 public:
  SkipInit();
  ~SkipInit();
  SkipInit(const SkipInit&) = delete;
  SkipInit& operator=(const SkipInit&) = delete;

 private:
  bool outer_;
};

}  // namespace pfgm::networks::layers
