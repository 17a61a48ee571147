#pragma once
// EDM (Karras et al. 2022), Algorithm 2: Heun's 2nd-order method on dx/dσ = (x − D(x; σ))/σ with
// optional stochastic churn, and a final Euler step to σ = 0. PFGM++ samples with the same ODE
// from its own prior (Xu et al. 2023, Sec. 4).
#include "pfgm/core/rng.h"
#include "pfgm/samplers/denoiser.h"

namespace pfgm::samplers {

struct ChurnOptions {
  double S_churn = 0;         // total churn; 0 = deterministic
  double S_min = 0;           // churn only for S_min ≤ t_i ≤ S_max
  double S_max = INFINITY;
  double S_noise = 1;         // noise inflation
  // Noise injection of the robustness study (PFGM++, Sec. 5.3; spec 4.6): x_i ← x_i + α·t_i·ε at
  // the start of every step, before churn, ε from the per-sample streams. 0 = off.
  double alpha = 0;
};

// x_0 = latents (already scaled to σ_max, float64); t_steps from edm_sigma_steps. Churn and
// injected noise are drawn from `noise` (one stream per sample), required only when S_churn > 0
// or alpha > 0.
torch::Tensor heun_sampler(const Denoiser& denoise, const torch::Tensor& latents, const std::vector<double>& t_steps,
                           const ChurnOptions& churn = {}, core::SeedStreams* noise = nullptr,
                           Trajectory* trajectory = nullptr);

}  // namespace pfgm::samplers
