#pragma once
// Euler's method on the probability-flow ODE dx/dσ = (x − D(x; σ))/σ (EDM, Eq. (3) with σ(t) = t),
// the first-order baseline of Algorithm 2 (NFE = n).
#include "pfgm/samplers/denoiser.h"

namespace pfgm::samplers {

torch::Tensor euler_sampler(const Denoiser& denoise, const torch::Tensor& latents, const std::vector<double>& t_steps,
                            Trajectory* trajectory = nullptr);

}  // namespace pfgm::samplers
