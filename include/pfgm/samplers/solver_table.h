#pragma once
// One entry per solver: its name and its integrators of the two backward ODEs (generation) and the
// two forward ones (encoding): the σ-ODE dx/dσ = (x − D(x; σ))/σ of PFGM++/EDM (EDM, Eq. (3)) and
// the z-ODE dx/dz = v_x/v_z of PFGM in t' = ln z (PFGM, Sec. 3.3). A null integrator means the
// solver does not offer that integration. Adding a solver is adding an entry.
#include <cstdint>

#include <torch/types.h>

#include "pfgm/core/rng.h"
#include "pfgm/samplers/denoiser.h"
#include "pfgm/samplers/pfgm_ode.h"
#include "pfgm/samplers/sampler.h"

namespace pfgm::samplers {

struct Encoding;

struct SolverEntry {
  Solver solver;
  const char* name;
  // latents x_T at σ_max → data; churn noise (Heun) from `noise`; sets `nfe`.
  torch::Tensor (*decode_sigma)(const Denoiser& denoise, const torch::Tensor& latents, const SamplerOptions& o,
                                core::SeedStreams* noise, Trajectory* trajectory, int64_t& nfe);
  // points [B, N] at z_max → the data hyperplane; injected noise from `noise`; sets `nfe`.
  torch::Tensor (*decode_z)(const FieldFn& field, const torch::Tensor& x, const PFGMODEOptions& ode,
                            const SamplerOptions& o, core::SeedStreams* noise, Trajectory* trajectory, int64_t& nfe);
  // data at σ_min → latents at σ_max.
  Encoding (*encode_sigma)(const Denoiser& denoise, const torch::Tensor& x, const SamplerOptions& o);
  // points [B, N] at z_min → z_max.
  Encoding (*encode_z)(const FieldFn& field, const torch::Tensor& x, const PFGMODEOptions& ode, const SamplerOptions& o);
};

const SolverEntry& solver_entry(Solver s);
const SolverEntry* find_solver(const std::string& name);  // nullptr when no entry has that name
std::string z_ode_solver_names();  // the entries that integrate PFGM's z-ODE: "euler or rk45"

}  // namespace pfgm::samplers
