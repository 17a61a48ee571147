// `pfgm likelihood`: bits/dim of a dataset's images under a network, by the instantaneous change
// of variables along the probability-flow ODE (spec 7.7), with uniform dequantisation.
#include <chrono>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "commands.h"
#include "network_path.h"
#include "run_control.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/eval/likelihood.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/networks/model_file.h"
#include "pfgm/physics/augmented_space.h"

namespace pfgm::cli {

namespace {

struct LikelihoodArgs {
  std::string network, data, split = "test", probe = "rademacher", device = "auto";
  int64_t num = 64, batch = 16;
  double rtol = 1e-5, atol = 1e-5, z_exp = -1;
  uint64_t seed = 0;
  bool exact_trace = false, json = false;
  int threads = 0;
};

void run_likelihood(const LikelihoodArgs& a) {
  core::configure_process(a.threads);
  const auto device = core::parse_device(a.device);
  PFGM_CHECK(a.split == "test" || a.split == "train", "[--split] got '", a.split, "', expected test or train");
  eval::LikelihoodOptions o;
  o.rtol = a.rtol;
  o.atol = a.atol;
  o.probe = eval::parse_probe(a.probe);
  o.exact_trace = a.exact_trace;
  o.seed = a.seed;
  o.z_exp = a.z_exp;
  PFGM_CHECK(a.batch > 0, "[--batch] got ", a.batch, ", expected > 0");
  PFGM_CHECK(a.num >= 0, "[--num] got ", a.num, ", expected ≥ 0 (0: every image)");

  const auto file = find_network(a.network);
  auto model = networks::load_model(file);
  model->to(device);
  const auto& c = model->config();
  const int64_t res = c.img_resolution(), ch = c.img_channels();
  PFGM_CHECK(c.is_image(), "[--network] ", file, ": a ", networks::to_string(c.family), " model for vector data; expected an image model");
  const int64_t label_dim = c.label_dim();

  data::ImageDatasetOptions d;
  d.train = a.split == "train";  // formats without splits (image folders, zips) hold one set
  d.use_labels = label_dim > 0;
  const auto ds = data::load_image_dataset(a.data, d);
  const auto s = ds.images.sizes();
  PFGM_CHECK(s[1] == ch && s[2] == res && s[3] == res, "[--data] ", a.data, ": images of ", s[1], "×", s[2], "×", s[3],
             ", expected ", ch, "×", res, "×", res, " for the network ", file);
  const int64_t n = ds.images.size(0);
  PFGM_CHECK(a.num <= n, "[--num] got ", a.num, ", the ", a.split, " split of ", a.data, " has ", n, " images");
  const int64_t num = a.num > 0 ? a.num : n;

  const auto start = std::chrono::steady_clock::now();
  CountProgress count("likelihood", "images");
  auto progress = [&](int64_t done, int64_t total) {
    if (!a.json) count(done, total);
  };
  const auto r = eval::image_bits_per_dim(*model, ds.images.narrow(0, 0, num), o, a.batch,
                                          label_dim ? ds.labels.narrow(0, 0, num) : torch::Tensor(), progress);
  if (!a.json) end_progress();
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string kind = c.precond == networks::Precond::PFGM ? "pfgm" : "D = " + physics::format_aug_dim(c.D);
  if (a.json) {
    nlohmann::json j{{"bits_per_dim", r.mean},     {"standard_error", r.standard_error}, {"num", num},
                     {"nfe", r.mean_nfe},          {"seconds", sec},                     {"network", file},
                     {"data", a.data},             {"split", a.split},                   {"probe", a.probe},
                     {"exact_trace", a.exact_trace}, {"rtol", a.rtol},                   {"atol", a.atol},
                     {"seed", a.seed},             {"model", kind}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("bits/dim %.4f ± %.4f over %lld %s images of %s (%s, %s); NFE %.1f per batch; %.1f s\n", r.mean,
                r.standard_error, (long long)num, a.split.c_str(), a.data.c_str(), file.c_str(), kind.c_str(), r.mean_nfe,
                sec);
  }
}

}  // namespace

void add_likelihood_command(CLI::App& app) {
  auto a = std::make_shared<LikelihoodArgs>();
  auto* c = app.add_subcommand("likelihood", "bits/dim of dataset images under a network (probability-flow ODE)");
  c->add_option("--network", a->network, "network-snapshot-*.safetensors, or a run directory (its newest)")->required();
  c->add_option("--data", a->data, "dataset: fashion-mnist, idx folder, CIFAR-10 binary, .zip or PNG folder")->required();
  c->add_option("--split", a->split, "test | train (formats that have splits)")->capture_default_str();
  c->add_option("--num", a->num, "number of images, the first ones of the split (0 = all)")->capture_default_str();
  c->add_option("--batch", a->batch, "images integrated together")->capture_default_str();
  c->add_option("--rtol", a->rtol, "RK45 relative tolerance")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--atol", a->atol, "RK45 absolute tolerance")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--z_exp", a->z_exp, "PFGM: recompute v_z from |v_x| below this z (spec 7.5; 0 = off, default the model's)");
  c->add_option("--probe", a->probe, "Hutchinson probe: rademacher | gaussian")->capture_default_str();
  c->add_flag("--exact_trace", a->exact_trace, "exact divergence (N backward passes per step; small images only)");
  c->add_option("--seed", a->seed, "seed of the dequantisation noise and the probes")->capture_default_str();
  c->add_flag("--json", a->json, "print the result as one JSON line");
  c->add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  c->callback([a] { run_likelihood(*a); });
}

}  // namespace pfgm::cli
