// `pfgm bench network`: images/s of a network's forward pass and forward+backward pass, on the CPU
// or a CUDA GPU, in float32, bfloat16 or float16 activations (weights stay float32 and are cast
// on the fly, as the reference's use_fp16 does). `pfgm bench train` and `pfgm bench sample`:
// whole training steps and sampling (bench_loop.h).
#include <chrono>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>
#include <torch/cuda.h>
#include <torch/types.h>

#include "bench_loop.h"
#include "commands.h"
#include "flag_names.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/networks/model.h"
#include "pfgm/networks/flop_counter.h"
#include "pfgm/networks/presets.h"

namespace pfgm::cli {

namespace {

struct BenchArgs {
  std::string preset = "cifar10-ddpmpp", device = "cpu", dtype = "fp32";
  int64_t batch = 0;  // 0: 8 on the CPU, 128 on a GPU
  int iters = 10, warmup = 2, threads = 0;
  bool json = false;
};

torch::ScalarType parse_dtype(const std::string& s) {
  if (s == "fp32") return torch::kFloat32;
  if (s == "bf16") return torch::kBFloat16;
  if (s == "fp16") return torch::kFloat16;
  throw Error("[bench] --dtype: got '" + s + "', expected fp32, bf16 or fp16");
}

void run_bench(const BenchArgs& a) {
  const int threads = core::configure_process(a.threads);
  const auto device = core::parse_device(a.device);
  const auto dtype = parse_dtype(a.dtype);
  const int64_t B = a.batch ? a.batch : (device.is_cuda() ? 128 : 8);
  at::manual_seed(0);
  auto config = networks::ModelConfig::from_json(networks::preset_config(a.preset));
  config.network["dropout"] = 0.0;
  networks::Model model(config);
  model.to(device);
  const int64_t res = config.img_resolution(), ch = config.img_channels();
  PFGM_CHECK(config.is_image(), "[bench] preset '", a.preset, "' is not an image network");
  const int64_t label_dim = config.label_dim();
  const auto opts = torch::TensorOptions().device(device);
  const auto x = torch::randn({B, ch, res, res}, opts).to(dtype);
  const auto c_noise = torch::randn({B}, opts);
  const auto labels = label_dim ? torch::eye(label_dim, opts).index({torch::randint(label_dim, {B}, opts.dtype(torch::kLong))})
                                : torch::Tensor();
  auto sync = [&] {
    if (device.is_cuda()) torch::cuda::synchronize(device.index() < 0 ? -1 : device.index());
  };
  int64_t flops = 0;
  {
    at::NoGradGuard no_grad;
    networks::FlopCounter counter;
    model.model->forward(x, c_noise, labels);
    flops = counter.flops();
  }
  using clock = std::chrono::steady_clock;
  auto time_it = [&](auto&& step) {
    for (int i = 0; i < a.warmup; ++i) step();
    sync();
    const auto t0 = clock::now();
    for (int i = 0; i < a.iters; ++i) step();
    sync();
    return std::chrono::duration<double>(clock::now() - t0).count() / a.iters;
  };
  model.eval();
  const double t_forward = time_it([&] {
    at::NoGradGuard no_grad;
    model.model->forward(x, c_noise, labels);
  });
  model.train();
  const double t_train = time_it([&] {
    model.zero_grad();
    model.model->forward(x, c_noise, labels).to(torch::kFloat32).square().mean().backward();
  });
  const double gflop = flops / 1e9;
  if (a.json) {
    nlohmann::json j{{"preset", a.preset}, {"device", device.str()}, {"dtype", a.dtype}, {"batch", B},
                     {"threads", threads}, {"forward_images_per_s", B / t_forward},
                     {"train_images_per_s", B / t_train}, {"forward_ms", t_forward * 1e3},
                     {"train_ms", t_train * 1e3}, {"forward_gflop", gflop}, {"forward_tflops", gflop / t_forward / 1e3}};
    std::puts(j.dump().c_str());
    return;
  }
  std::printf("%s on %s, %s, batch %lld, %d threads, %.1f GFLOP per forward\n", a.preset.c_str(), device.str().c_str(),
              a.dtype.c_str(), static_cast<long long>(B), threads, gflop);
  std::printf("  forward            %9.2f images/s  (%8.2f ms/batch, %.2f TFLOP/s)\n", B / t_forward, t_forward * 1e3,
              gflop / t_forward / 1e3);
  std::printf("  forward+backward   %9.2f images/s  (%8.2f ms/batch)\n", B / t_train, t_train * 1e3);
}

void add_loop_bench(CLI::App* bench, const char* name, const char* help, void (*run)(const LoopBenchArgs&)) {
  auto a = std::make_shared<LoopBenchArgs>();
  auto* c = bench->add_subcommand(name, help);
  c->add_option("--arch", a->arch, "ddpmpp | ncsnpp | adm (train.py's networks)")->capture_default_str();
  c->add_option("--cbase", a->cbase, "channel multiplier")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--cres", a->cres, "channels per resolution, e.g. 1,2,2")->delimiter(',')->capture_default_str();
  c->add_option("--nblock", a->nblock, "blocks per resolution")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--attn", a->attn, "attention resolutions, comma list ('' for none)")->capture_default_str();
  c->add_option("--res", a->res, "image resolution")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--channels", a->channels, "image channels")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--batch", a->batch, "images per step or sampled together")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--aug_dim", a->aug_dim, "D: any real > 0, or inf")->capture_default_str();
  c->add_option("--objective", a->objective, "pfgmpp | pfgm (the original PFGM's NCSN++ on z and its field target)")
      ->check(CLI::IsMember({"pfgmpp", "pfgm"}))->capture_default_str();
  c->add_option("--steps", a->steps, "sampler steps (Heun: NFE = 2·steps − 1)")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--dtype", a->dtype, "autocast: fp32 | bf16 | fp16 (fp16: CUDA)")->capture_default_str();
  c->add_option("--channels_last", a->channels_last, "0 | 1: channels-last weights and images")
      ->check(CLI::Range(0, 1))->capture_default_str();
  c->add_option("--solver", a->solver, "heun | euler")->capture_default_str();
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  c->add_option("--device", a->device, "cpu | cuda | auto")->capture_default_str();
  c->add_option("--iters", a->iters, "timed iterations (the median is reported)")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--warmup", a->warmup, "untimed iterations first")->check(CLI::NonNegativeNumber)->capture_default_str();
  name_fields(c, {{"amp", "--dtype"}, {"precision", "--dtype"}});
  if (run == run_bench_train)
    c->add_option("--nproc", a->nproc, "also train in this many processes (pfgm launch) and print the scaling efficiency")
        ->check(CLI::Range(1, 256))->capture_default_str();
  c->callback([a, run] { a->nproc > 1 ? run_bench_train_scaling(*a) : run(*a); });
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "speed benchmarks that print figures");
  bench->require_subcommand(1);
  auto a = std::make_shared<BenchArgs>();
  auto* c = bench->add_subcommand("network", "images/s of a network's forward and forward+backward passes");
  c->add_option("--preset", a->preset, "model preset (pfgm info --list)")->capture_default_str();
  c->add_option("--device", a->device, "cpu | cuda | auto")->capture_default_str();
  c->add_option("--dtype", a->dtype, "activations: fp32 | bf16 | fp16")->capture_default_str();
  c->add_option("--batch", a->batch, "images per batch (default 8 on the CPU, 128 on a GPU)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--iters", a->iters, "timed iterations")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--warmup", a->warmup, "untimed iterations first")->check(CLI::NonNegativeNumber)->capture_default_str();
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  c->add_flag("--json", a->json, "one JSON line");
  c->callback([a] { run_bench(*a); });
  add_loop_bench(bench, "train", "images/s of whole training steps (perturbation, forward, backward, Adam, EMA)",
                 run_bench_train);
  add_loop_bench(bench, "sample", "images/s of sampling from the prior (Heun or Euler)", run_bench_sample);
}

}  // namespace pfgm::cli
