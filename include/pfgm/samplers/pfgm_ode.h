#pragma once
// PFGM (Xu et al. 2022), Eq. (7) and Sec. 3.3: the backward ODE dx/dz = v_x/v_z from the z = z_max
// hyperplane to z_min, solved in t' = ln z (dx/dt' = z·v_x/v_z) by Euler or by RK45 (spec 7.5).
#include "pfgm/core/rng.h"
#include "pfgm/networks/model_config.h"
#include "pfgm/samplers/denoiser.h"
#include "pfgm/samplers/rk45.h"

namespace pfgm::samplers {

struct PFGMODEOptions {
  double z_max = 40;     // starting hyperplane
  double z_min = 1e-3;   // end point (≈ the data hyperplane)
  double gamma = 5;      // γ of the field normalisation, for the z substitution
  double z_exp = 0;      // below z_exp, v_z is recomputed from ‖v_x‖ (spec 7.5); 0 = off
};

// The model's z range, γ and z_exp.
PFGMODEOptions pfgm_ode_options(const networks::ModelConfig& config);

// v_z, recomputed below z_exp from ‖v_x‖ = √N·a/(a + γ) with a ≈ ‖E_x‖ and E_z ≈ −z (spec 7.5):
// v_z = −√N·z/(√(a² + z²) + γ); unchanged where z ≥ z_exp or when z_exp = 0.
torch::Tensor substitute_v_z(const torch::Tensor& v_x, const torch::Tensor& v_z, const torch::Tensor& z,
                             const PFGMODEOptions& options);

// The right-hand side dx/dt' = z·v_x/v_z at t' = ln z for x [B, N].
torch::Tensor pfgm_ode_rhs(const FieldFn& field, const torch::Tensor& t_prime, const torch::Tensor& x,
                           const PFGMODEOptions& options);

// Euler in z on the grid t'_i = linspace(ln z_max, ln z_min, num_steps + 1) (NFE = num_steps).
// alpha > 0 injects noise as PFGM++'s robustness study does on the σ-ODE, with z in the place of σ
// (D = 1: r = σ): x_i ← x_i + α·z_i·ε at the start of every step, ε from `noise` (one stream per row).
torch::Tensor pfgm_euler_sampler(const FieldFn& field, const torch::Tensor& x0, int num_steps,
                                 const PFGMODEOptions& options, Trajectory* trajectory = nullptr, double alpha = 0,
                                 core::SeedStreams* noise = nullptr);

// Improved Euler (Heun in z, the corrector at z_{i+1}) on the same grid, the last step Euler
// (NFE = 2·num_steps − 1; spec 7.5).
torch::Tensor pfgm_improved_euler_sampler(const FieldFn& field, const torch::Tensor& x0, int num_steps,
                                          const PFGMODEOptions& options, Trajectory* trajectory = nullptr);

// Adaptive RK45 over t' (reports NFE).
RK45Result pfgm_rk45_sampler(const FieldFn& field, const torch::Tensor& x0, const PFGMODEOptions& options,
                             const RK45Options& rk45 = {});

}  // namespace pfgm::samplers
