#include "pfgm/samplers/solver_table.h"

#include <cmath>
#include <string>
#include <vector>

#include "pfgm/core/error.h"
#include "pfgm/samplers/encoder.h"
#include "pfgm/samplers/euler.h"
#include "pfgm/samplers/heun.h"
#include "pfgm/samplers/rk45.h"

namespace pfgm::samplers {

namespace {

torch::Tensor scalar(double v) { return at::scalar_tensor(v, at::kDouble); }

// dx/dσ = (x − D(x; σ))/σ (EDM, Eq. (3)) for a batch with one σ per row.
OdeRhs sigma_ode(const Denoiser& denoise) {
  return [&denoise](const torch::Tensor& sigma, const torch::Tensor& x) {
    std::vector<int64_t> shape(x.dim(), 1);
    shape[0] = -1;
    return (x - denoise(x, sigma)) / sigma.reshape(shape);
  };
}

// Heun (EDM, Alg. 2): 2n − 1 evaluations; churn when the options ask for it.
torch::Tensor heun_decode(const Denoiser& denoise, const torch::Tensor& latents, const SamplerOptions& o,
                          core::SeedStreams* noise, Trajectory* trajectory, int64_t& nfe) {
  nfe = 2 * o.schedule.num_steps - 1;
  return heun_sampler(denoise, latents, edm_sigma_steps(o.schedule), o.churn, noise, trajectory);
}

torch::Tensor euler_decode(const Denoiser& denoise, const torch::Tensor& latents, const SamplerOptions& o,
                           core::SeedStreams*, Trajectory* trajectory, int64_t& nfe) {
  nfe = o.schedule.num_steps;
  return euler_sampler(denoise, latents, edm_sigma_steps(o.schedule), trajectory);
}

// RK45 from σ_max to σ_min, then the final Euler step to σ = 0: x ← D(x; σ_min).
torch::Tensor rk45_decode(const Denoiser& denoise, const torch::Tensor& latents, const SamplerOptions& o,
                          core::SeedStreams*, Trajectory*, int64_t& nfe) {
  const auto r = solve_rk45(sigma_ode(denoise), latents, o.schedule.sigma_max, o.schedule.sigma_min, o.rk45);
  nfe = r.nfe + 1;
  return denoise(r.y, scalar(o.schedule.sigma_min));
}

torch::Tensor euler_decode_z(const FieldFn& field, const torch::Tensor& x, const PFGMODEOptions& ode,
                             const SamplerOptions& o, core::SeedStreams* noise, Trajectory* trajectory, int64_t& nfe) {
  nfe = o.schedule.num_steps;
  return pfgm_euler_sampler(field, x, o.schedule.num_steps, ode, trajectory, o.churn.alpha, noise);
}

torch::Tensor heun_decode_z(const FieldFn& field, const torch::Tensor& x, const PFGMODEOptions& ode,
                            const SamplerOptions& o, core::SeedStreams*, Trajectory* trajectory, int64_t& nfe) {
  nfe = 2 * o.schedule.num_steps - 1;
  return pfgm_improved_euler_sampler(field, x, o.schedule.num_steps, ode, trajectory);
}

torch::Tensor rk45_decode_z(const FieldFn& field, const torch::Tensor& x, const PFGMODEOptions& ode,
                            const SamplerOptions& o, core::SeedStreams*, Trajectory*, int64_t& nfe) {
  auto r = pfgm_rk45_sampler(field, x, ode, o.rk45);
  nfe = r.nfe;
  return r.y;
}

Encoding heun_encode(const Denoiser& denoise, const torch::Tensor& x, const SamplerOptions& o) {
  const auto t = encoder_sigma_steps(o.schedule);
  return {heun_encoder(denoise, x, t), 2 * (static_cast<int64_t>(t.size()) - 1)};
}

Encoding euler_encode(const Denoiser& denoise, const torch::Tensor& x, const SamplerOptions& o) {
  const auto t = encoder_sigma_steps(o.schedule);
  return {euler_sampler(denoise, x, t), static_cast<int64_t>(t.size()) - 1};  // the same step either way
}

Encoding rk45_encode(const Denoiser& denoise, const torch::Tensor& x, const SamplerOptions& o) {
  const auto r = solve_rk45(sigma_ode(denoise), x, o.schedule.sigma_min, o.schedule.sigma_max, o.rk45);
  return {r.y, r.nfe};
}

// Euler steps on the uniform t' = ln z grid from z_min up to z_max.
Encoding euler_encode_z(const FieldFn& field, const torch::Tensor& x, const PFGMODEOptions& ode,
                        const SamplerOptions& o) {
  const int n = o.schedule.num_steps;
  PFGM_CHECK(n >= 1, "[steps] got ", n, ", expected at least 1");
  const double a = std::log(ode.z_min), b = std::log(ode.z_max);
  auto y = x;
  for (int i = 0; i < n; ++i) {
    const double t_cur = a + (b - a) * i / n, t_next = a + (b - a) * (i + 1) / n;
    const auto dx_dt = pfgm_ode_rhs(field, at::full({y.size(0)}, t_cur, y.options()), y, ode);
    // x ← x + (dx/dz)·(z_{i+1} − z_i) with dx/dz = (dx/dt')/z (PFGM, Sec. 3.3).
    y = y + dx_dt * (std::exp(t_next - t_cur) - 1);
  }
  return {y, n};
}

Encoding rk45_encode_z(const FieldFn& field, const torch::Tensor& x, const PFGMODEOptions& ode,
                       const SamplerOptions& o) {
  auto rhs = [&](const torch::Tensor& t, const torch::Tensor& v) { return pfgm_ode_rhs(field, t, v, ode); };
  const auto r = solve_rk45(rhs, x, std::log(ode.z_min), std::log(ode.z_max), o.rk45);
  return {r.y, r.nfe};
}

const SolverEntry kSolvers[] = {
    {Solver::Heun, "heun", heun_decode, heun_decode_z, heun_encode, nullptr},  // PFGM: improved Euler
    {Solver::Euler, "euler", euler_decode, euler_decode_z, euler_encode, euler_encode_z},
    {Solver::RK45, "rk45", rk45_decode, rk45_decode_z, rk45_encode, rk45_encode_z},
};

}  // namespace

const SolverEntry& solver_entry(Solver s) {
  for (const auto& e : kSolvers)
    if (e.solver == s) return e;
  throw Error("[solver] no table entry for this solver");
}

const SolverEntry* find_solver(const std::string& name) {
  for (const auto& e : kSolvers)
    if (name == e.name) return &e;
  return nullptr;
}

Solver parse_solver(const std::string& name) {
  if (const auto* e = find_solver(name)) return e->solver;
  throw Error("[solver] got '" + name + "', expected " + solver_names(", "));
}

std::string to_string(Solver s) { return solver_entry(s).name; }

std::string z_ode_solver_names() {
  std::vector<std::string> names;
  for (const auto& e : kSolvers)
    if (e.decode_z && e.encode_z) names.emplace_back(e.name);
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return text;
}

std::string solver_names(const char* separator) {
  std::string names;
  for (const auto& e : kSolvers) names += (names.empty() ? "" : separator) + std::string(e.name);
  return names;
}

}  // namespace pfgm::samplers
