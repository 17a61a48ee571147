#include "pfgm/samplers/sampler.h"

#include <algorithm>

#include <torch/torch.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/physics/prior.h"
#include "pfgm/samplers/euler.h"

namespace pfgm::samplers {

Solver parse_solver(const std::string& name) {
  if (name == "heun") return Solver::Heun;
  if (name == "euler") return Solver::Euler;
  if (name == "rk45") return Solver::RK45;
  throw Error("[--solver] got '" + name + "', expected heun, euler or rk45");
}

std::string to_string(Solver s) {
  switch (s) {
    case Solver::Heun: return "heun";
    case Solver::Euler: return "euler";
    default: return "rk45";
  }
}

namespace {
// One batch of seeds; returns the final states and the NFE.
torch::Tensor sample_batch(networks::Model& model, const std::vector<int64_t>& seeds, const std::vector<int64_t>& shape,
                           const SamplerOptions& o, const torch::Tensor& class_labels, int64_t& nfe,
                           Trajectory* trajectory) {
  const auto& c = model.config();
  if (c.precond == networks::Precond::PFGM) {
    PFGMODEOptions pfgm{c.z_max, c.z_min, c.gamma, 0};
    physics::PFGMPriorOptions prior{c.z_max, std::nullopt};
    if (c.upper_norm > 0) prior.upper_norm = c.upper_norm;
    const auto x0 = physics::sample_pfgm_prior(seeds, c.N, prior);
    if (o.solver == Solver::RK45) {
      auto r = pfgm_rk45_sampler(model.field_fn(), x0, pfgm, o.rk45);
      nfe = r.nfe;
      return r.y;
    }
    PFGM_CHECK(o.solver == Solver::Euler, "[--solver] PFGM models integrate with euler or rk45, got heun");
    nfe = o.schedule.num_steps;
    return pfgm_euler_sampler(model.field_fn(), x0, o.schedule.num_steps, pfgm, trajectory);
  }
  const auto latents = physics::sample_pfgmpp_prior(seeds, shape, o.schedule.sigma_max, c.D);
  const auto denoise = model.denoiser(class_labels);
  if (o.solver == Solver::RK45) {
    OdeRhs rhs = [&](const torch::Tensor& sigma, const torch::Tensor& x) {
      std::vector<int64_t> s(x.dim(), 1);
      s[0] = -1;
      return (x - denoise(x, sigma)) / sigma.reshape(s);  // dx/dσ = (x − D(x; σ))/σ
    };
    auto r = solve_rk45(rhs, latents, o.schedule.sigma_max, o.schedule.sigma_min, o.rk45);
    nfe = r.nfe + 1;
    // Final Euler step to σ = 0: x ← D(x; σ_min).
    return denoise(r.y, torch::scalar_tensor(o.schedule.sigma_min, torch::kFloat64));
  }
  const auto t = edm_sigma_steps(o.schedule);
  if (o.solver == Solver::Euler) {
    nfe = o.schedule.num_steps;
    return euler_sampler(denoise, latents, t, trajectory);
  }
  nfe = 2 * o.schedule.num_steps - 1;
  core::SeedStreams noise(seeds);
  return heun_sampler(denoise, latents, t, o.churn, &noise, trajectory);
}
}  // namespace

Samples generate(networks::Model& model, const std::vector<int64_t>& seeds, const std::vector<int64_t>& sample_shape,
                 const SamplerOptions& options, bool keep_trajectory) {
  PFGM_CHECK(!seeds.empty(), "[--seeds] no seeds given");
  PFGM_CHECK(options.batch > 0, "[--batch] got ", options.batch, ", expected > 0");
  PFGM_CHECK(!options.class_labels.defined() || options.class_labels.size(0) == static_cast<int64_t>(seeds.size()),
             "[sampler] ", options.class_labels.size(0), " class label rows for ", seeds.size(), " seeds");
  model.eval();
  Samples out;
  std::vector<torch::Tensor> parts;
  std::vector<Trajectory> trajectories;
  for (size_t start = 0; start < seeds.size(); start += options.batch) {
    const size_t end = std::min(seeds.size(), start + static_cast<size_t>(options.batch));
    std::vector<int64_t> chunk(seeds.begin() + start, seeds.begin() + end);
    int64_t nfe = 0;
    Trajectory traj;
    const auto labels = options.class_labels.defined()
                            ? options.class_labels.narrow(0, static_cast<int64_t>(start), static_cast<int64_t>(end - start))
                            : torch::Tensor();
    parts.push_back(
        sample_batch(model, chunk, sample_shape, options, labels, nfe, keep_trajectory ? &traj : nullptr).cpu());
    out.nfe = std::max(out.nfe, nfe);
    if (keep_trajectory) trajectories.push_back(std::move(traj));
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

}  // namespace pfgm::samplers
