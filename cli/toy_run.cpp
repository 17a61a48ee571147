#include "toy_run.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "run_control.h"
#include "toy_plots.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/data/csv.h"
#include "pfgm/data/toy2d.h"
#include "pfgm/eval/vector_metrics.h"
#include "pfgm/networks/model_file.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/training/training_driver.h"
#include "pfgm/training/state_files.h"
#include "pfgm/io/output_folder.h"
#include "pfgm/io/input_file.h"

namespace pfgm::cli {

namespace {
namespace fs = std::filesystem;

bool is_builtin(const std::string& data) {
  const auto& names = data::toy2d_names();
  return std::find(names.begin(), names.end(), data) != names.end();
}

torch::Tensor load_points(const std::string& data, int64_t n, uint64_t seed) {
  if (is_builtin(data)) {
    auto gen = core::make_generator(seed);
    return data::sample_toy2d(data, n, gen).to(at::kDouble);
  }
  if (!fs::exists(data)) {
    std::string choices;
    for (const auto& name : data::toy2d_names()) choices += (choices.empty() ? "" : ", ") + name;
    throw Error("[--data] '" + data + "': no such CSV file, and not a built-in distribution (" + choices + ")");
  }
  return data::read_points_csv(data).to(at::kDouble);
}

samplers::SamplerOptions sampler_options(const ToyOptions& o, const networks::ModelConfig& c) {
  samplers::SamplerOptions s;
  const bool pfgm = c.precond == networks::Precond::PFGM;
  s.solver = samplers::parse_solver(o.solver.empty() ? (pfgm ? "euler" : "heun") : o.solver);
  s.schedule = {o.steps > 0 ? o.steps : (pfgm ? 100 : 32), c.sigma_min, c.sigma_max, o.rho};
  s.churn = {o.S_churn, o.S_min, o.S_max, o.S_noise};
  s.rk45 = {o.rtol, o.atol};
  s.z_exp = o.z_exp;
  s.batch = o.sample_batch;
  return s;
}

eval::VectorMetrics evaluate(networks::Model& model, const ToyOptions& o, const torch::Tensor& points) {
  eval::VectorMetricsOptions e;
  e.data = is_builtin(o.data) ? o.data : "";
  e.num = o.num;
  e.repeats = o.repeats;
  e.seed = o.recipe.seed;
  return eval::evaluate_vector_model(model, sampler_options(o, model.config()), points, e);
}

void write_pictures(networks::Model& model, const ToyOptions& o, const torch::Tensor& points, const torch::Tensor& samples,
                    const std::vector<std::pair<int64_t, double>>* loss, const fs::path& dir) {
  auto s = sampler_options(o, model.config());
  if (s.solver == samplers::Solver::RK45) s.solver = samplers::Solver::Euler;  // fixed steps for drawing
  std::vector<int64_t> seeds(200);
  for (int64_t i = 0; i < 200; ++i) seeds[i] = i;
  const auto traj = samplers::generate(model, seeds, {model.config().N}, s, true).trajectory;
  const auto shown = points.narrow(0, 0, std::min<int64_t>(points.size(0), 5000));
  plot_samples(shown, samples, "Generated (blue) over data (grey)", (dir / "samples.png").string());
  plot_trajectories(shown, traj, (dir / "trajectories.png").string());
  plot_field_lines(points.narrow(0, 0, std::min<int64_t>(points.size(0), 256)), model, traj, (dir / "field_lines.png").string());
  if (loss && !loss->empty()) plot_loss(*loss, (dir / "loss.png").string());
}

void print_metrics(const eval::VectorMetrics& m, const ToyOptions& o, const networks::ModelConfig& c, double train_s,
                   int64_t step, const std::string& snapshot) {
  const bool pfgm = c.precond == networks::Precond::PFGM;
  if (o.json) {
    const nlohmann::json j{{"data", o.data}, {"objective", pfgm ? "pfgm" : "pfgmpp"},
                           {"D", pfgm ? "1" : physics::format_aug_dim(c.D)}, {"steps", step},
                           {"train_seconds", train_s}, {"mmd", m.mmd}, {"mmd_baseline", m.mmd_baseline},
                           {"swd", m.swd}, {"swd_baseline", m.swd_baseline},
                           {"max_nearest", m.max_nearest}, {"radius_quantile", c.radius_quantile}, {"nfe", m.nfe}, {"num", o.num},
                           {"repeats", o.repeats}, {"kappa", o.recipe.kappa}, {"network", snapshot}};
    std::cout << j.dump() << std::endl;
    return;
  }
  std::printf("MMD  %.3e  (data vs data %.3e, ratio %.2f)\n", m.mmd, m.mmd_baseline, m.mmd / m.mmd_baseline);
  std::printf("SWD  %.4f    (data vs data %.4f)\n", m.swd, m.swd_baseline);
  std::printf("far  %.3f    (largest distance of a sample to the data, in data diameters)\n", m.max_nearest);
  std::printf("NFE  %lld, %lld samples x %lld repeats\n", (long long)m.nfe, (long long)o.num, (long long)o.repeats);
}

std::shared_ptr<networks::Model> load_network(const ToyOptions& o) {
  PFGM_CHECK(!o.network.empty(), "[--network] required: a network-snapshot-*.safetensors file");
  io::check_input_file(o.network, "--network");
  auto model = networks::load_model(o.network);
  PFGM_CHECK(!model->config().is_image(), "[--network] ", o.network, ": a ", networks::to_string(model->config().family),
             " model, expected a vector-data (ToyMLP) model");
  model->to(core::parse_device(o.device));
  return model;
}
}  // namespace

void run_toy_train(ToyOptions o) {
  core::configure_process(o.threads);
  if (!o.resume.empty() && fs::is_directory(o.resume)) {  // continue the run in its folder
    o.outdir = o.resume;
    o.resume = training::newest_training_state(o.resume);
  }
  const auto device = core::parse_device(o.device);
  o.recipe.D = o.pfgmpp ? physics::parse_aug_dim(o.aug_dim, "--aug_dim") : physics::kInfiniteD;
  const auto points = load_points(o.data, o.n_train, o.recipe.seed);
  const auto config = training::vector_model_config(o.recipe, points);
  at::manual_seed(o.recipe.seed);
  auto net = std::make_shared<networks::Model>(config);
  net->to(device);
  training::Trainer trainer(net, training::vector_train_options(o.recipe, points.size(0), o.outdir),
                            training::vector_loss(config, o.recipe, points, device));
  training::DriverOptions d;
  d.resume = o.resume;
  const auto r = training::drive(trainer, d, nullptr, [](const training::Progress& p) { print_progress(p); });
  end_progress();
  check_not_interrupted(r, trainer);

  auto& ema = trainer.ema();
  const auto m = evaluate(ema, o, points);
  if (o.plots) write_pictures(ema, o, points, m.first_samples, &trainer.loss_history(), o.outdir);
  data::write_points_csv((fs::path(o.outdir) / "samples.csv").string(), m.first_samples);
  if (!o.json)
    std::printf("trained %lld steps in %.1f s; snapshot %s\n", (long long)trainer.step(), r.seconds,
                trainer.last_snapshot().c_str());
  print_metrics(m, o, config, r.seconds, trainer.step(), trainer.last_snapshot());
  if (!o.json && o.plots) std::printf("pictures: %s/{samples,trajectories,field_lines,loss}.png\n", o.outdir.c_str());
}

void run_toy_sample(const ToyOptions& o) {
  core::configure_process(o.threads);
  auto model = load_network(o);
  PFGM_CHECK(!o.out.empty(), "[--out] required: the CSV file for the generated points");
  const auto seeds = core::parse_seeds(o.seeds);
  const auto s = samplers::generate(*model, seeds, {model->config().N}, sampler_options(o, model->config()));
  data::write_points_csv(o.out, s.x);
  if (o.json)
    std::cout << nlohmann::json{{"out", o.out}, {"samples", s.x.size(0)}, {"nfe", s.nfe}}.dump() << std::endl;
  else
    std::printf("wrote %lld points to %s (NFE %lld)\n", (long long)s.x.size(0), o.out.c_str(), (long long)s.nfe);
}

void run_toy_eval(const ToyOptions& o) {
  core::configure_process(o.threads);
  auto model = load_network(o);
  const auto points = load_points(o.data, o.n_train, o.recipe.seed);
  PFGM_CHECK(points.size(1) == model->config().N, "[--data] ", o.data, " has N = ", points.size(1),
             ", the network expects N = ", model->config().N);
  const auto m = evaluate(*model, o, points);
  if (o.plots && !o.out.empty()) {
    io::make_output_folder(o.out, "--out");
    write_pictures(*model, o, points, m.first_samples, nullptr, o.out);
  }
  print_metrics(m, o, model->config(), 0, 0, o.network);
}

}  // namespace pfgm::cli
