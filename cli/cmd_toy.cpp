// `pfgm toy …`: PFGM / PFGM++ on vector data (built-in 2-D distributions or CSV points):
// train, sample, evaluate (MMD, sliced Wasserstein against a data-vs-data baseline) and plot.
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "commands.h"
#include "run_control.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/data/csv.h"
#include "pfgm/data/toy2d.h"
#include "pfgm/eval/mmd.h"
#include "pfgm/eval/sliced_wasserstein.h"
#include "pfgm/io/atomic_file.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/physics/pfgm_perturbation.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/training/losses.h"
#include "pfgm/training/trainer.h"
#include "toy_plots.h"

namespace pfgm::cli {

namespace {
namespace fs = std::filesystem;

// Flags shared by the toy subcommands; defaults chosen for 2-D data of unit scale.
struct ToyOptions {
  std::string data = "heart";      // built-in name or CSV file
  std::string objective = "pfgmpp";// pfgmpp (any D, incl. inf) | pfgm (original, D = 1)
  std::string aug_dim = "128";     // D
  int pfgmpp = 1;                  // 0: D = ∞ (EDM)
  bool official_clip = false;      // the official Beta clip in training
  int64_t iters = 4000, batch = 512, lr_rampup = 200, n_train = 20000, large_batch = 2048;
  double lr = 2e-3, ema = 5e4, kappa = 0, upper_norm = 0;
  uint64_t seed = 0;
  int64_t hidden = 256, blocks = 4;
  double sigma_data = 1.0, sigma_min = 0.002, sigma_max = 20, P_mean = -0.8, P_std = 1.6;
  // sampling and evaluation
  std::string network, solver = "", seeds = "0-1999", out, resume, device = "auto";
  int steps = 0;
  double rtol = 1e-4, atol = 1e-4, S_churn = 0, S_min = 0, S_max = INFINITY, S_noise = 1, rho = 7;
  int64_t num = 2000, repeats = 5, sample_batch = 4096;
  std::string outdir = "runs/toy";
  bool json = false, plots = true;
  int threads = 0;
};


bool is_builtin(const std::string& data) {
  const auto& names = data::toy2d_names();
  return std::find(names.begin(), names.end(), data) != names.end();
}

torch::Tensor load_points(const std::string& data, int64_t n, uint64_t seed) {
  if (is_builtin(data)) {
    auto gen = core::make_generator(seed);
    return data::sample_toy2d(data, n, gen);
  }
  if (!fs::exists(data)) {
    std::string choices;
    for (const auto& name : data::toy2d_names()) choices += (choices.empty() ? "" : ", ") + name;
    throw Error("[--data] '" + data + "': no such CSV file, and not a built-in distribution (" + choices + ")");
  }
  return data::read_points_csv(data);
}

networks::ModelConfig model_config(const ToyOptions& o, const torch::Tensor& points) {
  networks::ModelConfig c;
  c.model_type = "ToyMLP";
  c.N = points.size(1);
  c.network = {{"hidden", o.hidden}, {"num_blocks", o.blocks}};
  c.sigma_data = o.sigma_data;
  c.sigma_min = o.sigma_min;
  c.sigma_max = o.sigma_max;
  c.P_mean = o.P_mean;
  c.P_std = o.P_std;
  if (o.objective == "pfgm") {
    c.precond = networks::Precond::PFGM;
    c.D = 1;
    const double mean_sq = points.pow(2).sum(1).mean().item<double>();
    const auto h = physics::pfgm_hyperparameters(mean_sq, c.N);
    c.z_max = h.z_max;
    // --upper_norm -1 takes the official clip of the prior radius from the App. B.2 formula (the
    // largest distance the training perturbations reach); the default 0 keeps the exact law.
    c.upper_norm = o.upper_norm < 0 ? h.upper_norm : o.upper_norm;
    c.network["M"] = h.M;
  } else {
    PFGM_CHECK(o.objective == "pfgmpp", "[--objective] got '", o.objective, "', expected pfgmpp or pfgm");
    c.D = o.pfgmpp ? physics::parse_aug_dim(o.aug_dim) : physics::kInfiniteD;
  }
  return c;
}

samplers::SamplerOptions sampler_options(const ToyOptions& o, const networks::ModelConfig& c) {
  samplers::SamplerOptions s;
  const bool pfgm = c.precond == networks::Precond::PFGM;
  s.solver = samplers::parse_solver(o.solver.empty() ? (pfgm ? "euler" : "heun") : o.solver);
  s.schedule = {o.steps > 0 ? o.steps : (pfgm ? 100 : 32), c.sigma_min, c.sigma_max, o.rho};
  s.churn = {o.S_churn, o.S_min, o.S_max, o.S_noise};
  s.rk45 = {o.rtol, o.atol};
  s.batch = o.sample_batch;
  return s;
}

std::vector<int64_t> seed_range(int64_t first, int64_t n) {
  std::vector<int64_t> s(n);
  for (int64_t i = 0; i < n; ++i) s[i] = first + i;
  return s;
}

struct Metrics {
  double mmd = 0, mmd_baseline = 0, swd = 0, swd_baseline = 0;
  int64_t nfe = 0;
};

// MMD (biased, multi-bandwidth RBF) and sliced W2 at a fixed sample size, averaged over repeats;
// the baseline compares two fresh data samples of the same size.
Metrics evaluate(networks::Model& model, const ToyOptions& o, const torch::Tensor& train_points, torch::Tensor* first) {
  Metrics m;
  const auto s = sampler_options(o, model.config());
  for (int64_t k = 0; k < o.repeats; ++k) {
    auto gen = core::make_generator(o.seed + 7919 * (k + 1));
    torch::Tensor ref_a, ref_b;
    if (is_builtin(o.data)) {
      ref_a = data::sample_toy2d(o.data, o.num, gen);
      ref_b = data::sample_toy2d(o.data, o.num, gen);
    } else {
      PFGM_CHECK(train_points.size(0) >= 2 * o.num, "[--num] ", o.data, " has ", train_points.size(0),
                 " points; the data-vs-data baseline needs 2·num, lower --num");
      const auto perm = at::randperm(train_points.size(0), gen, torch::kInt64);
      ref_a = train_points.index_select(0, perm.narrow(0, 0, o.num));
      ref_b = train_points.index_select(0, perm.narrow(0, o.num, o.num));
    }
    const auto samples = samplers::generate(model, seed_range(1000000 + k * o.num, o.num), {model.config().N}, s);
    if (k == 0 && first) *first = samples.x;
    m.nfe = samples.nfe;
    m.mmd += eval::mmd(samples.x, ref_a) / o.repeats;
    m.mmd_baseline += eval::mmd(ref_b, ref_a) / o.repeats;
    m.swd += eval::sliced_wasserstein(samples.x, ref_a, 128, gen) / o.repeats;
    m.swd_baseline += eval::sliced_wasserstein(ref_b, ref_a, 128, gen) / o.repeats;
  }
  return m;
}


void write_pictures(networks::Model& model, const ToyOptions& o, const torch::Tensor& points, const torch::Tensor& samples,
                    const std::vector<std::pair<int64_t, double>>* loss, const fs::path& dir) {
  auto s = sampler_options(o, model.config());
  if (s.solver == samplers::Solver::RK45) s.solver = samplers::Solver::Euler;  // fixed steps for drawing
  const auto traj = samplers::generate(model, seed_range(0, 200), {model.config().N}, s, true).trajectory;
  const auto shown = points.narrow(0, 0, std::min<int64_t>(points.size(0), 5000));
  plot_samples(shown, samples, "Generated (blue) over data (grey)", (dir / "samples.png").string());
  plot_trajectories(shown, traj, (dir / "trajectories.png").string());
  plot_field_lines(points.narrow(0, 0, std::min<int64_t>(points.size(0), 256)), model, traj, (dir / "field_lines.png").string());
  if (loss && !loss->empty()) plot_loss(*loss, (dir / "loss.png").string());
}

void print_metrics(const Metrics& m, const ToyOptions& o, const networks::ModelConfig& c, double train_s, int64_t step,
                   const std::string& snapshot) {
  const std::string D = c.precond == networks::Precond::PFGM ? "1" : physics::format_aug_dim(c.D);
  if (o.json) {
    nlohmann::json j{{"data", o.data},         {"objective", c.precond == networks::Precond::PFGM ? "pfgm" : "pfgmpp"},
                     {"D", D},                 {"steps", step},
                     {"train_seconds", train_s}, {"mmd", m.mmd},
                     {"mmd_baseline", m.mmd_baseline}, {"swd", m.swd},
                     {"swd_baseline", m.swd_baseline}, {"nfe", m.nfe},
                     {"num", o.num},           {"repeats", o.repeats},   {"kappa", o.kappa},
                     {"network", snapshot}};
    std::cout << j.dump() << std::endl;
    return;
  }
  std::printf("MMD  %.3e  (data vs data %.3e, ratio %.2f)\n", m.mmd, m.mmd_baseline, m.mmd / m.mmd_baseline);
  std::printf("SWD  %.4f    (data vs data %.4f)\n", m.swd, m.swd_baseline);
  std::printf("NFE  %lld, %lld samples x %lld repeats\n", (long long)m.nfe, (long long)o.num, (long long)o.repeats);
}

void run_train(ToyOptions o) {
  core::configure_process(o.threads);
  const auto device = core::parse_device(o.device);
  const auto points = load_points(o.data, o.n_train, o.seed).to(torch::kFloat64);
  const auto config = model_config(o, points);
  torch::manual_seed(o.seed);
  auto net = std::make_shared<networks::Model>(config);
  net->to(device);

  training::TrainOptions t;
  const auto data_dev = points.to(device, torch::kFloat32);
  const int64_t n = points.size(0);
  t.batch = o.batch;
  t.total_nimg = o.iters * o.batch;
  t.lr = o.lr;
  t.lr_rampup_nimg = o.lr_rampup * o.batch;
  t.ema_halflife_nimg = o.ema;
  t.tick_nimg = std::max<int64_t>(1, std::min<int64_t>(100, o.iters / 20)) * o.batch;
  t.snap_ticks = t.dump_ticks = 0;
  t.dataset_size = n;
  t.seed = o.seed;
  t.outdir = o.outdir;
  training::LossFn loss;
  if (config.precond == networks::Precond::PFGM) {
    training::PFGMLoss l;
    l.perturbation.M = config.network.value("M", 291.0);
    l.gamma = config.gamma;
    const int64_t L = std::min(o.large_batch, n), b = std::min(o.batch, L);
    loss = [=](networks::Model& m, training::Batch& batch, int64_t) {
      const auto Y = data_dev.index_select(0, batch.indices(L).to(device));
      return l(m, Y.narrow(0, 0, b), Y, batch.gen);
    };
  } else {
    training::PFGMPPLoss l;
    l.kernel = {config.D, o.official_clip};
    l.sigma_dist = {config.P_mean, config.P_std};
    l.sigma_data = config.sigma_data;
    l.kappa = o.kappa;
    loss = [=](networks::Model& m, training::Batch& batch, int64_t count) {
      return l(m, data_dev.index_select(0, batch.indices(count).to(device)), batch.gen);
    };
  }
  fs::create_directories(o.outdir);
  training::Trainer trainer(net, t, loss);
  if (!o.resume.empty()) {
    PFGM_CHECK(fs::exists(o.resume), "[--resume] ", o.resume, ": no such file");
    trainer.load_state(o.resume);
  }
  const auto t0 = std::chrono::steady_clock::now();
  {
    StopOnSignal stop;
    trainer.run([](const training::Progress& p) { print_progress(p); }, [] { return StopOnSignal::requested(); });
    end_progress();
  }
  const double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  PFGM_CHECK(!StopOnSignal::requested(), "[train] interrupted at step ", trainer.step(), "; resume with --resume on the newest training state in ", o.outdir);
  const std::string snapshot = trainer.last_snapshot();

  auto& ema = trainer.ema();
  torch::Tensor first;
  const auto m = evaluate(ema, o, points, &first);
  if (o.plots) write_pictures(ema, o, points, first, &trainer.loss_history(), o.outdir);
  data::write_points_csv((fs::path(o.outdir) / "samples.csv").string(), first);
  if (!o.json) std::printf("trained %lld steps in %.1f s; snapshot %s\n", (long long)trainer.step(), train_s, snapshot.c_str());
  print_metrics(m, o, config, train_s, trainer.step(), snapshot);
  if (!o.json && o.plots) std::printf("pictures: %s/{samples,trajectories,field_lines,loss}.png\n", o.outdir.c_str());
}

std::shared_ptr<networks::Model> load_network(const ToyOptions& o) {
  PFGM_CHECK(!o.network.empty(), "[--network] required: a network-snapshot-*.safetensors file");
  PFGM_CHECK(fs::is_regular_file(o.network), "[--network] ", o.network, ": no such file");
  auto model = io::load_model(o.network);
  PFGM_CHECK(model->config().model_type == "ToyMLP", "[--network] ", o.network, ": a ", model->config().model_type,
             " model, expected a vector-data (ToyMLP) model");
  model->to(core::parse_device(o.device));
  return model;
}

void run_sample(ToyOptions o) {
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

void run_eval(ToyOptions o) {
  core::configure_process(o.threads);
  auto model = load_network(o);
  const auto points = load_points(o.data, o.n_train, o.seed).to(torch::kFloat64);
  PFGM_CHECK(points.size(1) == model->config().N, "[--data] ", o.data, " has N = ", points.size(1), ", the network expects N = ",
             model->config().N);
  torch::Tensor first;
  const auto m = evaluate(*model, o, points, &first);
  if (o.plots && !o.out.empty()) {
    fs::create_directories(o.out);
    write_pictures(*model, o, points, first, nullptr, o.out);
  }
  print_metrics(m, o, model->config(), 0, 0, o.network);
}

void add_train_flags(CLI::App* c, ToyOptions& o) {
  c->add_option("--data", o.data, "built-in distribution (" + [] {
    std::string s;
    for (const auto& n : data::toy2d_names()) s += (s.empty() ? "" : ", ") + n;
    return s;
  }() + ") or a CSV file of points")->capture_default_str();
  c->add_option("--objective", o.objective, "pfgmpp (PFGM++, any D) or pfgm (original PFGM, D = 1)")
      ->check(CLI::IsMember({"pfgmpp", "pfgm"}))->capture_default_str();
  c->add_option("--aug_dim", o.aug_dim, "D: augmented dimensions, a real number > 0 or inf")->capture_default_str();
  c->add_option("--pfgmpp", o.pfgmpp, "1: finite D (PFGM++), 0: D = inf (EDM)")->check(CLI::Range(0, 1))->capture_default_str();
  c->add_option("--kappa", o.kappa, "down-weight loss inputs beyond |x| = kappa*sqrt(N)*sigma_data (helps D <= 2); 0 = off")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  c->add_option("--upper_norm", o.upper_norm, "PFGM: clip the prior radius at this value (-1: the App. B.2 formula; 0: exact law)");
  c->add_flag("--official_clip", o.official_clip, "clip the Beta draw to [1e-3, 1-1e-3] as the official training code");
  c->add_option("--iters", o.iters, "training steps")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--batch", o.batch, "batch size (PFGM: the small batch)")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--large_batch", o.large_batch, "PFGM: charges per step for the field target")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--lr", o.lr, "Adam learning rate")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--lr_rampup", o.lr_rampup, "steps of linear lr ramp-up")->check(CLI::NonNegativeNumber)->capture_default_str();
  c->add_option("--ema", o.ema, "EMA half-life in samples")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--n_train", o.n_train, "training points drawn from a built-in distribution")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--hidden", o.hidden, "MLP width")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--blocks", o.blocks, "MLP residual blocks")->check(CLI::NonNegativeNumber)->capture_default_str();
  c->add_option("--sigma_data", o.sigma_data, "sigma_data of the preconditioning")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--P_mean", o.P_mean, "mean of ln(sigma) in training")->capture_default_str();
  c->add_option("--P_std", o.P_std, "std of ln(sigma) in training")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--resume", o.resume, "training-state-*.safetensors to continue from");
  c->add_option("--outdir", o.outdir, "run directory")->capture_default_str();
}

void add_sample_flags(CLI::App* c, ToyOptions& o, bool with_range) {
  if (with_range) {
    c->add_option("--sigma_min", o.sigma_min, "smallest sigma of the schedule")->check(CLI::PositiveNumber)->capture_default_str();
    c->add_option("--sigma_max", o.sigma_max, "largest sigma of the schedule (prior radius r = sigma_max*sqrt(D))")->check(CLI::PositiveNumber)->capture_default_str();
  }
  c->add_option("--steps", o.steps, "sampler steps (default: 32 Heun steps; PFGM 100 Euler steps)")->check(CLI::PositiveNumber);
  c->add_option("--solver", o.solver, "heun | euler | rk45 (default: heun; PFGM euler)")->check(CLI::IsMember({"heun", "euler", "rk45"}));
  c->add_option("--rho", o.rho, "time-step exponent rho")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--rtol", o.rtol, "RK45 relative tolerance")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--atol", o.atol, "RK45 absolute tolerance")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--S_churn", o.S_churn, "stochasticity strength")->check(CLI::NonNegativeNumber)->capture_default_str();
  c->add_option("--S_min", o.S_min, "churn only for sigma >= S_min")->capture_default_str();
  c->add_option("--S_max", o.S_max, "churn only for sigma <= S_max")->capture_default_str();
  c->add_option("--S_noise", o.S_noise, "churn noise inflation")->capture_default_str();
  c->add_option("--sample_batch", o.sample_batch, "samples integrated together (results do not depend on it)")->check(CLI::PositiveNumber)->capture_default_str();
}

void add_common_flags(CLI::App* c, ToyOptions& o) {
  c->add_option("--seed", o.seed, "random seed")->capture_default_str();
  c->add_option("--device", o.device, "auto | cpu | cuda")->capture_default_str();
  c->add_option("--threads", o.threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber)->capture_default_str();
  c->add_flag("--json", o.json, "print the figures as one JSON line");
}

void add_eval_flags(CLI::App* c, ToyOptions& o) {
  c->add_option("--num", o.num, "samples per MMD/SWD estimate")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--repeats", o.repeats, "estimates averaged")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_flag("!--no-plots", o.plots, "skip the pictures");
}
}  // namespace

void add_toy_command(CLI::App& app) {
  auto* toy = app.add_subcommand("toy", "PFGM / PFGM++ on vector data: 2-D distributions or CSV points");
  toy->require_subcommand(1);
  auto o = std::make_shared<ToyOptions>();

  auto* train = toy->add_subcommand("train", "train a model, then evaluate it and draw its pictures");
  add_train_flags(train, *o);
  add_sample_flags(train, *o, true);
  add_eval_flags(train, *o);
  add_common_flags(train, *o);
  train->callback([o] { run_train(*o); });

  auto* demo = toy->add_subcommand("demo", "the 2-D demo: PFGM++ (D = 128) on the heart, with pictures, in runs/demo");
  add_common_flags(demo, *o);
  demo->add_option("--outdir", o->outdir, "run directory")->default_str("runs/demo");
  demo->callback([o] {
    if (o->outdir == "runs/toy") o->outdir = "runs/demo";
    run_train(*o);
  });

  auto* sample = toy->add_subcommand("sample", "generate points from a snapshot into a CSV file");
  sample->add_option("--network", o->network, "network-snapshot-*.safetensors")->required();
  sample->add_option("--seeds", o->seeds, "seeds, e.g. 0-999 (one point each)")->capture_default_str();
  sample->add_option("--out", o->out, "output CSV file")->required();
  add_sample_flags(sample, *o, false);
  add_common_flags(sample, *o);
  sample->callback([o] { run_sample(*o); });

  auto* ev = toy->add_subcommand("eval", "MMD and sliced Wasserstein of a snapshot against its data");
  ev->add_option("--network", o->network, "network-snapshot-*.safetensors")->required();
  ev->add_option("--data", o->data, "built-in distribution or CSV file")->capture_default_str();
  ev->add_option("--out", o->out, "folder for pictures (none if empty)");
  add_sample_flags(ev, *o, false);
  add_eval_flags(ev, *o);
  add_common_flags(ev, *o);
  ev->callback([o] { run_eval(*o); });
}

}  // namespace pfgm::cli
