#include "pfgm/samplers/pfgm_ode.h"

#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::samplers {

PFGMODEOptions pfgm_ode_options(const networks::ModelConfig& c) { return {c.z_max, c.z_min, c.gamma, c.z_exp}; }

torch::Tensor substitute_v_z(const torch::Tensor& v_x, const torch::Tensor& v_z, const torch::Tensor& z,
                             const PFGMODEOptions& o) {
  if (o.z_exp <= 0 || o.gamma <= 0) return v_z;
  const double sqrtN = std::sqrt(static_cast<double>(v_x.size(1)));
  const auto n1 = (v_x.norm(2, {1}) / sqrtN).clamp_max(1 - 1e-7);
  const auto a = o.gamma * n1 / (1 - n1);
  const auto E_norm = torch::sqrt(a * a + z * z);
  return torch::where(z < o.z_exp, -sqrtN * z / (E_norm + o.gamma), v_z);
}

torch::Tensor pfgm_ode_rhs(const FieldFn& field, const torch::Tensor& t_prime, const torch::Tensor& x,
                           const PFGMODEOptions& o) {
  const int64_t N = x.size(1);
  const auto z = torch::exp(t_prime).to(x.options());
  const auto v = field(x, z);
  const auto v_x = v.narrow(1, 0, N);
  const auto v_z = substitute_v_z(v_x, v.select(1, N), z, o);
  return z.unsqueeze(1) * v_x / (v_z + 1e-5).unsqueeze(1);  // dx/dt' = z·dx/dz = z·v_x/v_z (dt/dz as 1/(v_z + 1e−5))
}

torch::Tensor pfgm_euler_sampler(const FieldFn& field, const torch::Tensor& x0, int num_steps,
                                 const PFGMODEOptions& o, Trajectory* trajectory, double alpha, core::SeedStreams* noise) {
  PFGM_CHECK(num_steps >= 1, "[steps] got ", num_steps, ", expected at least 1");
  PFGM_CHECK(alpha <= 0 || noise, "[pfgm] noise injection needs per-sample noise streams");
  PFGM_CHECK(o.z_max > o.z_min && o.z_min > 0, "[pfgm] expected 0 < z_min < z_max, got ", o.z_min, ", ", o.z_max);
  auto x = x0.to(torch::kFloat64);
  const int64_t B = x.size(0);
  const double a = std::log(o.z_max), b = std::log(o.z_min);
  if (trajectory) trajectory->t.push_back(o.z_max), trajectory->x.push_back(x.cpu());
  for (int i = 0; i < num_steps; ++i) {
    const double t_cur = a + (b - a) * i / num_steps, t_next = a + (b - a) * (i + 1) / num_steps;
    if (alpha > 0) x = x + alpha * std::exp(t_cur) * noise->randn(x.sizes().slice(1), x.options());
    const auto dx_dt = pfgm_ode_rhs(field, torch::full({B}, t_cur, x.options()), x, o);
    // x ← x + (dx/dz)·(z_{i+1} − z_i) with dx/dz = (dx/dt')/z.
    x = x + dx_dt * (std::exp(t_next - t_cur) - 1);
    if (trajectory) trajectory->t.push_back(std::exp(t_next)), trajectory->x.push_back(x.cpu());
  }
  return x;
}

torch::Tensor pfgm_improved_euler_sampler(const FieldFn& field, const torch::Tensor& x0, int num_steps,
                                          const PFGMODEOptions& o, Trajectory* trajectory) {
  PFGM_CHECK(num_steps >= 1, "[steps] got ", num_steps, ", expected at least 1");
  PFGM_CHECK(o.z_max > o.z_min && o.z_min > 0, "[pfgm] expected 0 < z_min < z_max, got ", o.z_min, ", ", o.z_max);
  auto x = x0.to(torch::kFloat64);
  const int64_t B = x.size(0);
  const double a = std::log(o.z_max), b = std::log(o.z_min);
  auto dx_dz = [&](const torch::Tensor& xs, double t) {  // dx/dz = (dx/dt')/z
    return pfgm_ode_rhs(field, torch::full({B}, t, xs.options()), xs, o) / std::exp(t);
  };
  if (trajectory) trajectory->t.push_back(o.z_max), trajectory->x.push_back(x.cpu());
  for (int i = 0; i < num_steps; ++i) {
    const double t_cur = a + (b - a) * i / num_steps, t_next = a + (b - a) * (i + 1) / num_steps;
    const double dz = std::exp(t_next) - std::exp(t_cur);
    const auto d_cur = dx_dz(x, t_cur);
    const auto x_euler = x + d_cur * dz;
    x = i + 1 < num_steps ? x + 0.5 * (d_cur + dx_dz(x_euler, t_next)) * dz : x_euler;
    if (trajectory) trajectory->t.push_back(std::exp(t_next)), trajectory->x.push_back(x.cpu());
  }
  return x;
}

RK45Result pfgm_rk45_sampler(const FieldFn& field, const torch::Tensor& x0, const PFGMODEOptions& o,
                             const RK45Options& rk45) {
  PFGM_CHECK(o.z_max > o.z_min && o.z_min > 0, "[pfgm] expected 0 < z_min < z_max, got ", o.z_min, ", ", o.z_max);
  auto rhs = [&](const torch::Tensor& t, const torch::Tensor& x) { return pfgm_ode_rhs(field, t, x, o); };
  return solve_rk45(rhs, x0, std::log(o.z_max), std::log(o.z_min), rk45);
}

}  // namespace pfgm::samplers
