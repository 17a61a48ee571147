// `pfgm generate`: images from a network snapshot (or the newest one in a run directory), one PNG
// per seed as the official generate.py names them, plus a grid.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "commands.h"
#include "dist_flags.h"
#include "network_path.h"
#include "run_control.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/distributed/shard.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/io/pixels.h"
#include "pfgm/networks/model_file.h"
#include "pfgm/io/npy.h"
#include "pfgm/io/png.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/training/mixed_precision.h"
#include "pfgm/io/output_folder.h"

namespace pfgm::cli {

namespace fs = std::filesystem;

namespace {

struct GenerateArgs {
  std::string network, outdir, seeds = "0-63", device = "auto", solver, grid, npz, amp = "fp32";
  DistArgs dist;
  bool subdirs = false;
  int channels_last = 0;
  int64_t class_idx = -1, batch = 64;
  int steps = 0;
  double sigma_min = 0, sigma_max = 0, rho = 7;
  double S_churn = 0, S_min = 0, S_max = INFINITY, S_noise = 1;
  double rtol = 1e-4, atol = 1e-4;
  int threads = 0;
};

void run_generate(const GenerateArgs& a) {
  core::configure_process(a.threads);
  const auto group = join_group(a.dist);  // seeds split over ranks as generate.py; rank 0 writes the grid and npz
  const auto device = device_for_rank(core::parse_device(a.device));
  const auto file = find_network(a.network);
  auto model = networks::load_model(file);
  model->to(device);
  model->set_channels_last(a.channels_last != 0);
  const auto precision = training::parse_precision(a.amp, "--amp");
  const auto& c = model->config();
  PFGM_CHECK(c.is_image(), "[--network] ", file, ": a ", networks::to_string(c.family), " model for vector data; use pfgm toy sample");
  PFGM_CHECK(!a.outdir.empty(), "[--outdir] required: where the images go");
  const auto all_seeds = core::parse_seeds(a.seeds);
  std::vector<int64_t> seeds = all_seeds;
  if (group) {
    PFGM_CHECK(static_cast<int64_t>(all_seeds.size()) >= group->size(), "[--seeds] ", all_seeds.size(), " seeds for ",
               group->size(), " processes: expected at least one per process");
    seeds.clear();
    for (const auto i : distributed::rank_items(static_cast<int64_t>(all_seeds.size()), a.batch, group->rank(), group->size()))
      seeds.push_back(all_seeds[static_cast<size_t>(i)]);
  }

  samplers::SamplerOptions s;
  // As the official samplers: Heun with 18 steps (PFGM++/EDM), RK45 for PFGM (Euler and improved
  // Euler with 100 steps on request).
  const bool pfgm = c.precond == networks::Precond::PFGM;
  s.solver = samplers::parse_solver(!a.solver.empty() ? a.solver : pfgm ? "rk45" : "heun");
  s.schedule = {a.steps > 0 ? a.steps : pfgm ? 100 : 18, a.sigma_min > 0 ? a.sigma_min : c.sigma_min,
                a.sigma_max > 0 ? a.sigma_max : c.sigma_max, a.rho};
  s.churn = {a.S_churn, a.S_min, a.S_max, a.S_noise};
  s.rk45.rtol = a.rtol;
  s.rk45.atol = a.atol;
  s.batch = a.batch;
  const int64_t label_dim = c.label_dim();
  if (label_dim) {
    // One-hot labels: --class for every image, else each seed's own random class.
    PFGM_CHECK(a.class_idx < label_dim, "[--class] got ", a.class_idx, ", the model has ", label_dim, " classes");
    auto labels = torch::zeros({static_cast<int64_t>(seeds.size()), label_dim});
    for (size_t i = 0; i < seeds.size(); ++i) {
      auto gen = core::make_generator(static_cast<uint64_t>(seeds[i]));
      const int64_t k = a.class_idx >= 0 ? a.class_idx : at::randint(label_dim, {1}, gen).item<int64_t>();
      labels[static_cast<int64_t>(i)][k] = 1;
    }
    s.class_labels = labels;
  } else {
    PFGM_CHECK(a.class_idx < 0, "[--class] the model is unconditional");
  }

  CountProgress progress("generate", "images");
  if (!group || group->rank() == 0) s.progress = [&](int64_t done, int64_t total) { progress(done, total); };
  const auto samples = [&] {
    training::AutocastGuard autocast(device.type(), precision);
    return samplers::generate(*model, seeds, c.sample_shape(), s);
  }();
  end_progress();
  auto images = io::to_uint8(samples.x);
  io::make_output_folder(a.outdir, "--outdir");
  for (size_t i = 0; i < seeds.size(); ++i) {
    char name[64];
    fs::path dir = a.outdir;
    if (a.subdirs) {
      std::snprintf(name, sizeof name, "%06lld", (long long)(seeds[i] - seeds[i] % 1000));
      dir /= name;
      io::make_output_folder(dir.string(), "--outdir");
    }
    std::snprintf(name, sizeof name, "%06lld.png", (long long)seeds[i]);
    io::write_png((dir / name).string(), images[static_cast<int64_t>(i)]);
  }
  if (group) images = distributed::gather_in_order(*group, images, static_cast<int64_t>(all_seeds.size()), a.batch);
  if (group && group->rank() != 0) return;
  const std::string grid = a.grid.empty() ? (fs::path(a.outdir) / "grid.png").string() : a.grid;
  io::write_png(grid, io::image_grid(images.narrow(0, 0, std::min<int64_t>(images.size(0), 256))));
  if (!a.npz.empty()) io::write_npz(a.npz, {{"x", images.permute({0, 2, 3, 1})}});  // uint8 NHWC, seed order
  std::printf("%zu images from %s (NFE %lld) in %s%s; grid %s\n", all_seeds.size(), file.c_str(), (long long)samples.nfe,
              a.outdir.c_str(), group ? (" by " + std::to_string(group->size()) + " processes").c_str() : "", grid.c_str());
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto a = std::make_shared<GenerateArgs>();
  auto* c = app.add_subcommand("generate", "images from a trained network: <seed>.png per seed and a grid");
  c->add_option("--network", a->network, "network-snapshot-*.safetensors, or a run directory (its newest)")->required();
  c->add_option("--outdir", a->outdir, "where the images go")->required();
  c->add_option("--seeds", a->seeds, "seeds, e.g. 0-63 or 1,5,9-12")->capture_default_str();
  c->add_flag("--subdirs", a->subdirs, "1000-seed subdirectories as the official generate.py");
  c->add_option("--class", a->class_idx, "class label for every image (conditional models; default random per seed)");
  c->add_option("--batch", a->batch, "images per batch (results do not depend on it)")->capture_default_str();
  c->add_option("--steps", a->steps, "time steps (Heun NFE = 2·steps − 1; default 18, PFGM 100)")->check(CLI::PositiveNumber);
  c->add_option("--sigma_min", a->sigma_min, "lowest σ (default: the model's)");
  c->add_option("--sigma_max", a->sigma_max, "highest σ, the prior's scale (default: the model's)");
  c->add_option("--rho", a->rho, "time step exponent ρ")->capture_default_str();
  c->add_option("--S_churn", a->S_churn, "stochasticity strength")->capture_default_str();
  c->add_option("--S_min", a->S_min, "churn from σ ≥ S_min")->capture_default_str();
  c->add_option("--S_max", a->S_max, "churn up to σ ≤ S_max")->capture_default_str();
  c->add_option("--S_noise", a->S_noise, "churn noise inflation")->capture_default_str();
  c->add_option("--solver", a->solver, samplers::solver_names() + " (default heun, PFGM rk45: adaptive, NFE printed; PFGM heun = improved Euler)");
  c->add_option("--rtol", a->rtol, "RK45 relative tolerance")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--atol", a->atol, "RK45 absolute tolerance")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--grid", a->grid, "grid PNG path (default <outdir>/grid.png)");
  c->add_option("--npz", a->npz, "also write every image to one .npz (key x, uint8 NHWC, in seed order)");
  c->add_option("--amp", a->amp, "autocast of the network: fp32 | bf16 | fp16 (fp16: CUDA only); the ODE stays float64")
      ->capture_default_str();
  c->add_option("--channels_last", a->channels_last, "0 | 1: channels-last (NHWC) network (faster on the CPU)")
      ->check(CLI::Range(0, 1))->capture_default_str();
  c->add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  add_dist_flags(c, a->dist);
  c->callback([a] { run_generate(*a); });
}

}  // namespace pfgm::cli
