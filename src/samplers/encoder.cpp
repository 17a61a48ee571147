#include "pfgm/samplers/encoder.h"

#include <algorithm>
#include <cmath>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/samplers/solver_table.h"

namespace pfgm::samplers {

std::vector<double> encoder_sigma_steps(const StepSchedule& schedule) {
  PFGM_CHECK(schedule.num_steps >= 2, "[steps] got ", schedule.num_steps,
             ", expected at least 2 (encoding runs between σ_min and σ_max)");
  auto t = edm_sigma_steps(schedule);
  t.pop_back();  // the final σ = 0 of generation
  std::reverse(t.begin(), t.end());
  return t;
}

torch::Tensor heun_encoder(const Denoiser& denoise, const torch::Tensor& x, const std::vector<double>& t_steps,
                           Trajectory* trajectory) {
  PFGM_CHECK(t_steps.size() >= 2, "[heun encoder] need at least one step");
  const auto opts = x.options().dtype(torch::kFloat64);
  auto scalar = [&](double v) { return torch::scalar_tensor(v, opts); };
  auto x_next = x.to(torch::kFloat64);
  if (trajectory) trajectory->t.push_back(t_steps[0]), trajectory->x.push_back(x_next.cpu());
  for (size_t i = 0; i + 1 < t_steps.size(); ++i) {
    const double t_cur = t_steps[i], t_next = t_steps[i + 1];
    PFGM_CHECK(t_cur > 0 && t_next > t_cur, "[heun encoder] expected increasing σ > 0, got ", t_cur, " then ", t_next);
    const auto x_cur = x_next;

    // Euler step.
    const auto d_cur = (x_cur - denoise(x_cur, scalar(t_cur))) / t_cur;
    x_next = x_cur + (t_next - t_cur) * d_cur;

    // Apply 2nd-order correction.
    const auto d_prime = (x_next - denoise(x_next, scalar(t_next))) / t_next;
    x_next = x_cur + (t_next - t_cur) * (0.5 * d_cur + 0.5 * d_prime);
    if (trajectory) trajectory->t.push_back(t_next), trajectory->x.push_back(x_next.cpu());
  }
  return x_next;
}

Encoding encode_sigma_ode(const Denoiser& denoise, const torch::Tensor& x, const SamplerOptions& o) {
  const auto& s = o.schedule;
  PFGM_CHECK(s.sigma_min > 0 && s.sigma_max > s.sigma_min, "[sigma_min/sigma_max] got ", s.sigma_min, " and ",
             s.sigma_max, ", expected 0 < sigma_min < sigma_max");
  return solver_entry(o.solver).encode_sigma(denoise, x.to(torch::kFloat64), o);
}

Encoding encode_pfgm_ode(const FieldFn& field, const torch::Tensor& x, const PFGMODEOptions& ode,
                         const SamplerOptions& o) {
  PFGM_CHECK(ode.z_max > ode.z_min && ode.z_min > 0, "[pfgm] expected 0 < z_min < z_max, got ", ode.z_min, ", ",
             ode.z_max);
  PFGM_CHECK(x.dim() == 2, "[pfgm encoder] expected points [B, N], got ", x.dim(), " dimensions");
  const auto& solver = solver_entry(o.solver);
  PFGM_CHECK(solver.encode_z, "[solver] PFGM models integrate with ", z_ode_solver_names(), ", got ", solver.name);
  return solver.encode_z(field, x.to(torch::kFloat64), ode, o);
}

Encoding encode(networks::Model& model, const torch::Tensor& x, const SamplerOptions& options) {
  const auto& c = model.config();
  PFGM_CHECK(x.defined() && x.dim() >= 2 && x.size(0) > 0, "[encode] expected data [B, ...] with B > 0");
  const int64_t B = x.size(0);
  PFGM_CHECK(x.numel() / B == c.N, "[encode] data of ", x.numel() / B, " values per sample, the model's data dimension N is ",
             c.N);
  PFGM_CHECK(options.batch > 0, "[batch] got ", options.batch, ", expected > 0");
  PFGM_CHECK(!options.class_labels.defined() || options.class_labels.size(0) == B, "[encode] ",
             options.class_labels.defined() ? options.class_labels.size(0) : 0, " class label rows for ", B, " samples");
  model.eval();
  const auto x0 = x.to(torch::kCPU, torch::kFloat64);
  Encoding out;
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < B; start += options.batch) {
    const int64_t n = std::min(B, start + options.batch) - start;
    const auto chunk = x0.narrow(0, start, n);
    Encoding e;
    if (c.precond == networks::Precond::PFGM) {
      auto ode = pfgm_ode_options(c);
      if (options.z_exp >= 0) ode.z_exp = options.z_exp;  // the same path as decoding
      e = encode_pfgm_ode(field_of(model), chunk.reshape({n, -1}), ode, options);
      e.latents = e.latents.reshape(chunk.sizes());
    } else {
      const auto labels = options.class_labels.defined() ? options.class_labels.narrow(0, start, n) : torch::Tensor();
      e = encode_sigma_ode(denoiser_of(model, labels), chunk, options);
    }
    parts.push_back(e.latents.cpu());
    out.nfe = std::max(out.nfe, e.nfe);
    if (options.progress) options.progress(start + n, B);
  }
  out.latents = torch::cat(parts);
  return out;
}

}  // namespace pfgm::samplers
