// `pfgm bench network`: images/s of a network's forward pass and forward+backward pass, on the CPU
// or a CUDA GPU, in float32, bfloat16 or float16 activations (weights stay float32 and are cast
// on the fly, as the reference's use_fp16 does).
#include <chrono>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>
#include <torch/cuda.h>
#include <torch/types.h>

#include "commands.h"
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
}

}  // namespace pfgm::cli
