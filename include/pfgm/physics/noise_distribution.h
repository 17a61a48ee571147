#pragma once
// EDM (Karras et al. 2022), Table 1 / Sec. 5: training noise levels ln σ ~ N(P_mean, P_std²).
#include <torch/types.h>

namespace pfgm::physics {

struct SigmaDistribution {
  double P_mean = -1.2;  // mean of ln σ
  double P_std = 1.2;    // standard deviation of ln σ
  double scale = 1;      // σ multiplied by this (the official --lsun: 380/80, for 256² data)
};

// σ [B] float64 on the CPU.
torch::Tensor sample_sigma(int64_t B, const SigmaDistribution& dist, at::Generator& gen);

}  // namespace pfgm::physics
