#pragma once
// Generation from a model: draw each seed's prior sample and integrate the backward ODE with the
// chosen solver — Heun/Euler/RK45 on the σ-ODE for PFGM++ and EDM, Euler/RK45 on the z-ODE for PFGM.
#include <functional>
#include <string>
#include <vector>

#include "pfgm/networks/model.h"
#include "pfgm/samplers/heun.h"
#include "pfgm/samplers/pfgm_ode.h"
#include "pfgm/samplers/rk45.h"
#include "pfgm/samplers/solver.h"
#include "pfgm/samplers/step_schedule.h"

namespace pfgm::samplers {

struct SamplerOptions {
  Solver solver = Solver::Heun;   // --solver
  StepSchedule schedule;          // --steps --sigma_min --sigma_max --rho (PFGM: --steps Euler steps in ln z)
  ChurnOptions churn;             // --S_churn --S_min --S_max --S_noise (Heun only)
  RK45Options rk45;               // --rtol --atol
  double z_exp = -1;              // --z_exp PFGM: below z_exp, v_z from E_z = −z and ‖v_x‖ (spec 7.5); 0 = off, < 0 the model's
  int64_t batch = 1024;           // --batch: samples integrated together (results do not depend on it)
  torch::Tensor class_labels;     // one-hot [number of seeds, label_dim] for conditional models, or undefined
  std::function<void(int64_t done, int64_t total)> progress;  // after each batch; optional
};

struct Samples {
  torch::Tensor x;            // [B, sample_shape...] float64 on the CPU
  int64_t nfe = 0;            // network evaluations per batch (max over batches)
  Trajectory trajectory;      // filled when requested (all samples)
};

// PFGM++/EDM: prior at options.schedule.sigma_max (the caller fills the schedule, usually from the
// model's config); PFGM: prior and z range from the model's config.
Samples generate(networks::Model& model, const std::vector<int64_t>& seeds, const std::vector<int64_t>& sample_shape,
                 const SamplerOptions& options, bool keep_trajectory = false);

// The latents generate() starts from, one prior draw per seed, [B, sample_shape...] float64 on the
// CPU: PFGM++/EDM p_{r_max} at r_max = σ_max·√D (prior.h); PFGM the z = z_max hyperplane's law
// (the model's z_max and upper_norm; sigma_max unused).
torch::Tensor prior_latents(const networks::ModelConfig& config, const std::vector<int64_t>& seeds,
                            const std::vector<int64_t>& sample_shape, double sigma_max);

// Generation from given latents x_T [B, sample_shape...] (prior_latents, or encode() of
// encoder.h) on generate()'s path: generate(seeds) = decode(prior_latents(seeds)) without churn.
// Deterministic: Heun's S_churn must be 0. Samples.x has the latents' shape.
Samples decode(networks::Model& model, const torch::Tensor& latents, const SamplerOptions& options,
               bool keep_trajectory = false);

}  // namespace pfgm::samplers
