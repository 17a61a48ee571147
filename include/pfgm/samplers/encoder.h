#pragma once
// Data → latent: the probability-flow ODE integrated forward, the inverse of generation (EDM,
// Sec. 4 "the ODE is invertible"; PFGM, Sec. 4.2). PFGM++/EDM: dx/dσ = (x − D(x; σ))/σ from σ_min,
// where the data are taken as the state, up to σ_max; PFGM: the z-ODE dx/dz = v_x/v_z from z_min
// to z_max. decode() of sampler.h maps the latents back.
#include <vector>

#include "pfgm/networks/model.h"
#include "pfgm/samplers/denoiser.h"
#include "pfgm/samplers/pfgm_ode.h"
#include "pfgm/samplers/sampler.h"

namespace pfgm::samplers {

struct Encoding {
  torch::Tensor latents;  // x_T [B, ...] float64 on the CPU, the shape of the data
  int64_t nfe = 0;        // network evaluations per batch (max over batches)
};

// The EDM schedule of Eq. (5) traversed upward without its final 0: σ_min = t_0 < … < t_{n−1} = σ_max
// (n = schedule.num_steps ≥ 2), generation's grid in reverse.
std::vector<double> encoder_sigma_steps(const StepSchedule& schedule);

// Heun's method up the grid `t_steps` (increasing), with the 2nd-order correction on every step
// (NFE = 2(n − 1)); x is the state at t_steps[0], float64.
torch::Tensor heun_encoder(const Denoiser& denoise, const torch::Tensor& x, const std::vector<double>& t_steps,
                           Trajectory* trajectory = nullptr);

// σ-ODE encoding of states x [B, ...] at σ_min: Heun or Euler on encoder_sigma_steps(options.schedule),
// or RK45 (options.rk45) from σ_min to σ_max.
Encoding encode_sigma_ode(const Denoiser& denoise, const torch::Tensor& x, const SamplerOptions& options);

// z-ODE encoding of points x [B, N] at z = ode.z_min up to ode.z_max, in t' = ln z: Euler with
// options.schedule.num_steps steps on the uniform t' grid, or RK45 (options.rk45). Heun is refused.
Encoding encode_pfgm_ode(const FieldFn& field, const torch::Tensor& x, const PFGMODEOptions& ode,
                         const SamplerOptions& options);

// A model's encoder for data x [B, sample_shape...] in model units (images: [−1, 1]), options.batch
// rows at a time (rows do not depend on it), with options.class_labels (one row per sample) for
// conditional models. PFGM++/EDM use options.schedule; PFGM the model's z range.
Encoding encode(networks::Model& model, const torch::Tensor& x, const SamplerOptions& options);

}  // namespace pfgm::samplers
