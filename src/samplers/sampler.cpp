#include "pfgm/samplers/sampler.h"

#include <algorithm>
#include <functional>
#include <memory>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/physics/prior.h"
#include "pfgm/samplers/solver_table.h"

namespace pfgm::samplers {

torch::Tensor prior_latents(const networks::ModelConfig& c, const std::vector<int64_t>& seeds,
                            const std::vector<int64_t>& sample_shape, double sigma_max) {
  if (c.precond == networks::Precond::PFGM) {
    physics::PFGMPriorOptions prior{c.z_max, std::nullopt, c.radius_quantile};
    if (c.upper_norm > 0) prior.upper_norm = c.upper_norm;
    std::vector<int64_t> shape{static_cast<int64_t>(seeds.size())};
    shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
    int64_t n = 1;
    for (auto d : sample_shape) n *= d;
    PFGM_CHECK(n == c.N, "[sampler] a sample shape of ", n, " values, the model's data dimension N is ", c.N);
    return physics::sample_pfgm_prior(seeds, c.N, prior).reshape(shape);
  }
  return physics::sample_pfgmpp_prior(seeds, sample_shape, sigma_max, c.D, c.radius_quantile);
}

namespace {
// The backward ODE for one batch of latents x_T; returns the final states and the NFE. Churn noise
// (Heun with S_churn > 0) comes from `noise`, one stream per sample.
torch::Tensor integrate_batch(networks::Model& model, const torch::Tensor& latents, const SamplerOptions& o,
                              const torch::Tensor& class_labels, core::SeedStreams* noise, int64_t& nfe,
                              Trajectory* trajectory) {
  const auto& c = model.config();
  const auto& solver = solver_entry(o.solver);
  if (c.precond == networks::Precond::PFGM) {
    PFGM_CHECK(solver.decode_z, "[solver] PFGM models integrate with ", z_ode_solver_names(), ", got ", solver.name);
    PFGM_CHECK(o.churn.alpha <= 0 || o.solver == Solver::Euler, "[alpha] noise injection on the z-ODE takes euler");
    auto pfgm = pfgm_ode_options(c);
    if (o.z_exp >= 0) pfgm.z_exp = o.z_exp;
    const auto x0 = latents.reshape({latents.size(0), -1});
    return solver.decode_z(field_of(model), x0, pfgm, o, noise, trajectory, nfe).reshape(latents.sizes());
  }
  PFGM_CHECK(o.churn.alpha <= 0 || o.solver == Solver::Heun, "[alpha] noise injection on the σ-ODE takes heun");
  return solver.decode_sigma(denoiser_of(model, class_labels), latents, o, noise, trajectory, nfe);
}

// integrate_batch over rows [start, end) of `count`, options.batch at a time: `latents_of` gives
// each chunk's x_T, `noise_of` its churn streams (may return nullptr).
Samples integrate(networks::Model& model, int64_t count, const SamplerOptions& options, bool keep_trajectory,
                  const std::function<torch::Tensor(int64_t, int64_t)>& latents_of,
                  const std::function<std::unique_ptr<core::SeedStreams>(int64_t, int64_t)>& noise_of) {
  PFGM_CHECK(options.batch > 0, "[batch] got ", options.batch, ", expected > 0");
  PFGM_CHECK(!options.class_labels.defined() || options.class_labels.size(0) == count, "[sampler] ",
             options.class_labels.defined() ? options.class_labels.size(0) : 0, " class label rows for ", count,
             " samples");
  model.eval();
  Samples out;
  std::vector<torch::Tensor> parts;
  std::vector<Trajectory> trajectories;
  for (int64_t start = 0; start < count; start += options.batch) {
    const int64_t end = std::min(count, start + options.batch);
    int64_t nfe = 0;
    Trajectory traj;
    const auto labels = options.class_labels.defined() ? options.class_labels.narrow(0, start, end - start) : torch::Tensor();
    const auto noise = noise_of(start, end);
    parts.push_back(integrate_batch(model, latents_of(start, end), options, labels, noise.get(), nfe,
                                    keep_trajectory ? &traj : nullptr)
                        .cpu());
    out.nfe = std::max(out.nfe, nfe);
    if (keep_trajectory) trajectories.push_back(std::move(traj));
    if (options.progress) options.progress(end, count);
  }
  out.x = torch::cat(parts);
  if (keep_trajectory && !trajectories.empty() && !trajectories[0].x.empty()) {
    out.trajectory.t = trajectories[0].t;
    for (size_t k = 0; k < trajectories[0].x.size(); ++k) {
      std::vector<torch::Tensor> step;
      for (auto& tr : trajectories) step.push_back(tr.x[k]);
      out.trajectory.x.push_back(torch::cat(step));
    }
  }
  return out;
}
}  // namespace

Samples generate(networks::Model& model, const std::vector<int64_t>& seeds, const std::vector<int64_t>& sample_shape,
                 const SamplerOptions& options, bool keep_trajectory) {
  PFGM_CHECK(!seeds.empty(), "[seeds] no seeds given");
  auto chunk = [&](int64_t start, int64_t end) {
    return std::vector<int64_t>(seeds.begin() + start, seeds.begin() + end);
  };
  return integrate(
      model, static_cast<int64_t>(seeds.size()), options, keep_trajectory,
      [&](int64_t start, int64_t end) {
        return prior_latents(model.config(), chunk(start, end), sample_shape, options.schedule.sigma_max);
      },
      // Churn and injected noise: each seed's second stream, independent of its prior draw.
      [&](int64_t start, int64_t end) { return std::make_unique<core::SeedStreams>(chunk(start, end), 1); });
}

Samples decode(networks::Model& model, const torch::Tensor& latents, const SamplerOptions& options,
               bool keep_trajectory) {
  PFGM_CHECK(latents.defined() && latents.dim() >= 2 && latents.size(0) > 0, "[decode] expected latents [B, ...] with B > 0");
  PFGM_CHECK(latents.numel() / latents.size(0) == model.config().N, "[decode] latents of ", latents.numel() / latents.size(0),
             " values per sample, the model's data dimension N is ", model.config().N);
  PFGM_CHECK(options.solver != Solver::Heun || options.churn.S_churn <= 0,
             "[S_churn] decoding is deterministic: got ", options.churn.S_churn, ", expected 0");
  PFGM_CHECK(options.churn.alpha <= 0, "[alpha] decoding is deterministic: got ", options.churn.alpha, ", expected 0");
  const auto x_T = latents.to(torch::kCPU, torch::kFloat64);
  return integrate(
      model, x_T.size(0), options, keep_trajectory,
      [&](int64_t start, int64_t end) { return x_T.narrow(0, start, end - start); },
      [](int64_t, int64_t) { return std::unique_ptr<core::SeedStreams>(); });
}

}  // namespace pfgm::samplers
