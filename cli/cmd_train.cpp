// `pfgm train`: PFGM++ (any D, or D = ∞) on an image dataset held in memory, with the one trainer;
// then a grid of samples from the EMA network. `pfgm train` with no flags is the main job:
// Fashion-MNIST, D = 128, sized for a 2-core CPU.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "commands.h"
#include "run_control.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/io/png.h"
#include "pfgm/networks/denoiser.h"
#include "pfgm/networks/presets.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/training/losses.h"
#include "pfgm/training/trainer.h"

namespace pfgm::cli {

namespace fs = std::filesystem;

namespace {

struct TrainArgs {
  std::string preset = "fashion-mnist", data, outdir, resume, device = "auto", aug_dim;
  int pfgmpp = -1;  // -1: the preset's
  int64_t iters = 0, batch = 0, lr_rampup = -1, snap = 0, grid = 64, steps = 0;
  double lr = 0, ema = 0, dropout = -1;
  int64_t cbase = 0, nblock = 0;
  std::vector<int64_t> cres;
  bool official_clip = false;
  uint64_t seed = 0;
  int threads = 0;
};

void run_train(TrainArgs a) {
  const int threads = core::configure_process(a.threads);
  const auto device = core::parse_device(a.device);
  PFGM_CHECK(a.resume.empty() || fs::is_regular_file(a.resume), "[--resume] ", a.resume, ": no such file");
  const auto& preset = networks::preset(a.preset);
  PFGM_CHECK(!preset.training.empty(), "[--preset] ", a.preset, " names a network only; training presets: fashion-mnist");
  const auto& tp = preset.training;

  // Model configuration: the preset, then the official override flags.
  auto j = preset.config;
  if (a.cbase) j["model_channels"] = a.cbase;
  if (!a.cres.empty()) j["channel_mult"] = a.cres;
  if (a.nblock) j["num_blocks"] = a.nblock;
  if (a.dropout >= 0) j["dropout"] = a.dropout;
  if (!a.aug_dim.empty()) j["D"] = physics::parse_aug_dim(a.aug_dim, "--aug_dim");
  if (a.pfgmpp == 0) j["D"] = "inf";
  auto config = networks::ModelConfig::from_json(j);

  // Data.
  const std::string data = a.data.empty() ? tp.value("data", std::string("fashion-mnist")) : a.data;
  const auto dataset = data::load_idx_dataset(data == "fashion-mnist" ? data::fashion_mnist_dir() : data, true,
                                              config.network.value("img_resolution", int64_t{32}));
  const auto& images = dataset.images;
  PFGM_CHECK(images.size(1) == config.network.value("img_channels", int64_t{3}) &&
                 images.size(2) == config.network.value("img_resolution", int64_t{0}),
             "[--data] ", data, ": images are ", images.sizes().slice(1), ", the network takes ",
             config.network.value("img_channels", 0), "x", config.network.value("img_resolution", 0), "²");

  training::TrainOptions t;
  t.iters = a.iters ? a.iters : tp.value("iters", int64_t{3000});
  t.batch = a.batch ? a.batch : tp.value("batch", int64_t{64});
  t.lr = a.lr > 0 ? a.lr : tp.value("lr", 1e-3);
  t.lr_rampup = a.lr_rampup >= 0 ? a.lr_rampup : tp.value("lr_rampup", int64_t{200});
  t.ema_halflife = a.ema > 0 ? a.ema : tp.value("ema", 2e4);
  t.seed = a.seed;
  t.snapshot_every = a.snap;
  t.outdir = a.outdir.empty() ? "runs/" + a.preset + "-D" + physics::format_aug_dim(config.D) : a.outdir;
  t.log_every = std::max<int64_t>(1, std::min<int64_t>(50, t.iters / 50));

  torch::manual_seed(a.seed);
  auto net = std::make_shared<networks::Model>(config);
  net->to(device);
  const auto data_dev = images.to(device);
  const int64_t n = images.size(0), B = t.batch;
  training::PFGMPPLoss l;
  l.kernel = {config.D, a.official_clip};
  l.sigma_dist = {config.P_mean, config.P_std};
  l.sigma_data = config.sigma_data;
  training::LossFn loss = [=](networks::Model& m, at::Generator& gen) {
    const auto idx = at::randint(n, {B}, gen, torch::kInt64).to(device);
    return l(m, data::to_model_range(data_dev.index_select(0, idx)), gen);
  };

  fs::create_directories(t.outdir);
  training::Trainer trainer(net, t, loss);
  if (!a.resume.empty()) trainer.load_state(a.resume);
  int64_t params = 0;
  for (const auto& p : net->parameters()) params += p.numel();
  std::printf("training %s (%lld parameters, D = %s) on %s: %lld images of %lldx%lldx%lld, %lld steps of %lld, %s, "
              "%d threads\n",
              config.model_type.c_str(), (long long)params, physics::format_aug_dim(config.D).c_str(), data.c_str(),
              (long long)n, (long long)images.size(1), (long long)images.size(2), (long long)images.size(3),
              (long long)t.iters, (long long)B, device.str().c_str(), threads);
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  {
    StopOnSignal stop;
    trainer.run(
        [&](const training::Progress& p) {
          char img_s[48];
          std::snprintf(img_s, sizeof img_s, " (%.0f img/s)", p.steps_per_s * B);
          print_progress(p, img_s);
        },
        [] { return StopOnSignal::requested(); });
    end_progress();
  }
  const double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  PFGM_CHECK(!StopOnSignal::requested(), "[train] interrupted at step ", trainer.step(),
             "; resume with --resume on the newest training state in ", t.outdir);

  // A grid of samples from the EMA network.
  const auto t1 = std::chrono::steady_clock::now();
  samplers::SamplerOptions s;
  s.schedule = {static_cast<int>(a.steps ? a.steps : tp.value("steps", int64_t{18})), config.sigma_min,
                config.sigma_max, 7};
  s.batch = 64;
  std::vector<int64_t> seeds(a.grid);
  for (int64_t i = 0; i < a.grid; ++i) seeds[i] = i;
  auto& ema = trainer.ema();
  ema.eval();
  const auto shape = std::vector<int64_t>(images.sizes().begin() + 1, images.sizes().end());
  const auto samples = samplers::generate(ema, seeds, shape, s);
  const std::string grid = (fs::path(t.outdir) / "samples.png").string();
  io::write_png(grid, io::image_grid(io::to_uint8(samples.x)));
  const double sample_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::printf("trained %lld steps in %s; %lld samples (NFE %lld) in %.1f s\nrun directory: %s\nsample grid: %s\n",
              (long long)trainer.step(), format_duration(train_s).c_str(), (long long)a.grid, (long long)samples.nfe,
              sample_s, t.outdir.c_str(), grid.c_str());
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  auto* c = app.add_subcommand("train", "train PFGM++ on images (default: the Fashion-MNIST main job), then a sample grid");
  c->add_option("--preset", a->preset, "training preset (pfgm info --list)")->capture_default_str();
  c->add_option("--data", a->data, "fashion-mnist (Debian's dataset-fashion-mnist) or a folder of MNIST-style idx files");
  c->add_option("--outdir", a->outdir, "run directory (default runs/<preset>-D<D>)");
  c->add_option("--aug_dim", a->aug_dim, "D: any real > 0, or inf");
  c->add_option("--pfgmpp", a->pfgmpp, "0: D = inf (EDM diffusion); 1: finite D")->check(CLI::Range(0, 1));
  c->add_option("--iters", a->iters, "optimizer steps")->check(CLI::PositiveNumber);
  c->add_option("--batch", a->batch, "images per step")->check(CLI::PositiveNumber);
  c->add_option("--lr", a->lr, "Adam learning rate")->check(CLI::PositiveNumber);
  c->add_option("--lr_rampup", a->lr_rampup, "steps of linear learning-rate ramp-up")->check(CLI::NonNegativeNumber);
  c->add_option("--ema", a->ema, "EMA half-life in images")->check(CLI::PositiveNumber);
  c->add_option("--dropout", a->dropout, "dropout probability")->check(CLI::Range(0.0, 1.0));
  c->add_option("--cbase", a->cbase, "model_channels")->check(CLI::PositiveNumber);
  c->add_option("--cres", a->cres, "channel_mult, e.g. 1,2,2")->delimiter(',');
  c->add_option("--nblock", a->nblock, "blocks per resolution")->check(CLI::PositiveNumber);
  c->add_flag("--official_clip", a->official_clip, "clip the Beta draw to [1e-3, 1-1e-3] as the official loss");
  c->add_option("--snap", a->snap, "steps between snapshots and training states (0: at the end)");
  c->add_option("--resume", a->resume, "training state to continue from");
  c->add_option("--grid", a->grid, "samples in the final grid")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--steps", a->steps, "Heun steps for the grid (NFE = 2·steps − 1)")->check(CLI::PositiveNumber);
  c->add_option("--seed", a->seed, "random seed")->capture_default_str();
  c->add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  c->callback([a] { run_train(*a); });
}

}  // namespace pfgm::cli
