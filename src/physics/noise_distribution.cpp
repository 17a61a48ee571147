#include "pfgm/physics/noise_distribution.h"

#include <torch/types.h>

namespace pfgm::physics {

torch::Tensor sample_sigma(int64_t B, const SigmaDistribution& dist, at::Generator& gen) {
  return torch::exp(at::randn({B}, gen, torch::kFloat64) * dist.P_std + dist.P_mean) * dist.scale;  // σ = exp(ξ·P_std + P_mean)
}

}  // namespace pfgm::physics
