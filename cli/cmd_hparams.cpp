// `pfgm hparams --data DATASET`: the data's scale and the hyper-parameters the papers derive from it.
#include <cmath>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "pfgm/core/device.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/io/pixels.h"
#include "pfgm/physics/data_scale.h"
#include "pfgm/physics/pfgm_perturbation.h"

namespace pfgm::cli {

namespace {

struct HparamsArgs {
  std::string data = "fashion-mnist";
  int64_t resolution = 32, pairs = 5000;
  double sigma_end = 0.01, tau = 0.03;
  bool json = false;
  int threads = 0;
};

void run_hparams(const HparamsArgs& a) {
  core::configure_process(a.threads);
  data::ImageDatasetOptions o;
  o.pad_to = a.resolution;
  const auto ds = data::load_image_dataset(a.data, o);
  const auto s = physics::data_scale(io::to_model_range(ds.images), a.pairs);
  const auto h = physics::pfgm_hyperparameters(s.mean_sq_norm, s.N, a.sigma_end, a.tau);
  const nlohmann::json j{
      {"data", a.data}, {"N", s.N}, {"images", s.count}, {"mean_sq_norm", s.mean_sq_norm},
      {"mean_norm", s.mean_norm}, {"std_norm", s.std_norm}, {"max_norm", s.max_norm}, {"sigma_data", s.sigma_data},
      {"max_pairwise_distance", s.max_pairwise}, {"pair_samples", s.pair_samples},
      {"pfgm", {{"sigma_end", a.sigma_end}, {"tau", a.tau}, {"M", h.M}, {"z_max", h.z_max},
                {"upper_norm", h.upper_norm}, {"z_exp", physics::pfgm_z_exp(h.z_max)}}},
      {"pfgmpp", {{"sigma_max", s.max_pairwise}}}};
  if (a.json) {
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf(
      "%s: %lld images, N = %lld (pixels in [-1, 1])\n"
      "  norm ||x||: mean %.3f, std %.3f, max %.3f; mean ||x||^2 %.2f; pixel std (sigma_data) %.4f\n"
      "  largest pairwise distance %.3f (among %lld images)\n"
      "PFGM (App. B.2, sigma = %g, tau = %g):\n"
      "  M = floor(0.75 ln(mean||x||^2 / (2 sqrt(N) sigma^2)) / ln(1 + tau)) + 1 = %.0f\n"
      "  z_max = sqrt(2/pi) sigma (1 + tau)^M = %.3f;  upper_norm = sqrt(N) sigma (1 + tau)^M = %.2f\n"
      "  z_exp = z_max / 8 = %.3f (CIFAR-10's official 5 of 40)\n"
      "PFGM++: sigma_max = %.2f, the largest pairwise distance (Song & Ermon 2020, Technique 1; EDM's 80 on "
      "CIFAR-10); the prior radius r_max = sigma_max sqrt(D)\n",
      a.data.c_str(), (long long)s.count, (long long)s.N, s.mean_norm, s.std_norm, s.max_norm, s.mean_sq_norm,
      s.sigma_data, s.max_pairwise, (long long)s.pair_samples, a.sigma_end, a.tau, h.M, h.z_max, h.upper_norm,
      physics::pfgm_z_exp(h.z_max), s.max_pairwise);
}

}  // namespace

void add_hparams_command(CLI::App& app) {
  auto a = std::make_shared<HparamsArgs>();
  auto* c = app.add_subcommand("hparams", "the data's scale and the hyper-parameters derived from it (PFGM's M, "
                                          "z_max, upper_norm; PFGM++'s sigma_max)");
  c->add_option("--data", a->data, "fashion-mnist, a dataset zip or folder, CIFAR-10 binaries or idx files")
      ->capture_default_str();
  c->add_option("--resolution", a->resolution, "idx images (28x28) are zero-padded to this size, as the main job "
                "trains them")->check(CLI::NonNegativeNumber)->capture_default_str();
  c->add_option("--pairs", a->pairs, "images among which the largest pairwise distance is sought")
      ->check(CLI::Range(int64_t{2}, int64_t{100000}))->capture_default_str();
  c->add_option("--sigma_end", a->sigma_end, "PFGM's smallest perturbation sigma")->check(CLI::PositiveNumber)
      ->capture_default_str();
  c->add_option("--tau", a->tau, "PFGM's perturbation growth rate")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_flag("--json", a->json, "one JSON line");
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  c->callback([a] { run_hparams(*a); });
}

}  // namespace pfgm::cli
