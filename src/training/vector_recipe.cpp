#include "pfgm/training/vector_recipe.h"

#include <algorithm>
#include <cmath>

#include "pfgm/core/error.h"
#include "pfgm/physics/perturbation_kernel.h"
#include "pfgm/physics/pfgm_perturbation.h"
#include "pfgm/training/losses.h"

namespace pfgm::training {

networks::ModelConfig vector_model_config(const VectorRecipe& r, const torch::Tensor& points) {
  PFGM_CHECK(points.dim() == 2 && points.size(0) > 0, "[data] expected points [n, N], got ", points.sizes());
  networks::ModelConfig c;
  c.family = networks::NetworkFamily::ToyMLP;
  c.N = points.size(1);
  c.network = {{"hidden", r.hidden}, {"num_blocks", r.blocks}};
  c.sigma_data = r.sigma_data;
  c.sigma_min = r.sigma_min;
  c.sigma_max = r.sigma_max;
  c.P_mean = r.P_mean;
  c.P_std = r.P_std;
  c.radius_quantile = r.official_clip ? 1.0 : r.radius_quantile;  // the official clip keeps the exact prior
  if (r.objective == "pfgm") {
    c.precond = networks::Precond::PFGM;
    c.D = 1;
    const double mean_sq = points.to(at::kDouble).pow(2).sum(1).mean().item<double>();
    const auto h = physics::pfgm_hyperparameters(mean_sq, c.N);
    c.z_max = h.z_max;
    // upper_norm < 0 takes the official clip of the prior radius from the App. B.2 formula (the
    // largest distance the training perturbations reach); 0 keeps the exact law.
    c.upper_norm = r.upper_norm < 0 ? h.upper_norm : r.upper_norm;
    c.z_exp = r.z_exp;
    // A prior truncated at R ≤ k_q·z_max: the perturbations reach its farthest points, at the
    // augmented radius z_max·sqrt(1 + k_q²), so that the ODE starts where the field was trained.
    c.network["M"] = physics::pfgm_M_for_prior(h.M, h.z_max, c.radius_quantile, c.N);
  } else {
    PFGM_CHECK(r.objective == "pfgmpp", "[objective] got '", r.objective, "', expected pfgmpp or pfgm");
    c.D = r.D;
  }
  return c;
}

TrainOptions vector_train_options(const VectorRecipe& r, int64_t n, const std::string& outdir) {
  TrainOptions t;
  t.batch = r.batch;
  t.total_nimg = r.iters * r.batch;
  t.lr = r.lr;
  t.lr_rampup_nimg = r.lr_rampup * r.batch;
  t.ema_halflife_nimg = r.ema;
  t.tick_nimg = std::max<int64_t>(1, std::min<int64_t>(100, r.iters / 20)) * r.batch;
  t.snap_ticks = 0;
  t.dump_ticks = r.dump;
  t.keep_states = r.keep;
  t.dataset_size = n;
  t.seed = r.seed;
  t.outdir = outdir;
  return t;
}

LossFn vector_loss(const networks::ModelConfig& config, const VectorRecipe& r, const torch::Tensor& points,
                   c10::Device device) {
  const auto data = points.to(device, at::kFloat);
  const int64_t n = points.size(0);
  if (config.precond == networks::Precond::PFGM) {
    PFGMLoss l;
    l.perturbation.M = config.network.value("M", 291.0);
    l.gamma = config.gamma;
    const int64_t L = std::min(r.large_batch, n), b = std::min(r.batch, L);
    return [=](networks::Model& m, Batch& batch, int64_t) {
      const auto Y = data.index_select(0, batch.indices(L).to(device));
      return l(m, Y.narrow(0, 0, b), Y, batch.gen);
    };
  }
  PFGMPPLoss l;
  l.kernel = {config.D, r.official_clip, config.radius_quantile};
  l.sigma_dist = {config.P_mean, config.P_std};
  l.sigma_data = config.sigma_data;
  l.kappa = r.kappa;
  return [=](networks::Model& m, Batch& batch, int64_t count) {
    return l(m, data.index_select(0, batch.indices(count).to(device)), batch.gen);
  };
}

}  // namespace pfgm::training
