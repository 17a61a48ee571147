#include "bench_loop.h"
#include "dist_flags.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include <ATen/Version.h>
#include <nlohmann/json.hpp>
#include <torch/cuda.h>
#include <torch/headeronly/version.h>
#include <torch/types.h>

#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/training/train_config.h"

namespace pfgm::cli {

namespace {
using clock = std::chrono::steady_clock;
using nlohmann::json;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::vector<int64_t> parse_list(const std::string& text, const char* flag) {
  std::vector<int64_t> out;
  std::stringstream s(text);
  for (std::string item; std::getline(s, item, ',');) {
    if (item.empty()) continue;
    try {
      size_t used = 0;
      out.push_back(std::stoll(item, &used));
      PFGM_CHECK(used == item.size() && out.back() > 0, "bad");
    } catch (const std::exception&) {
      throw Error(std::string("[") + flag + "] got '" + text + "', expected positive integers separated by commas");
    }
  }
  return out;
}

// The network of train.py's flags, for random images of the benchmark's shape.
struct BenchSetup {
  training::TrainConfig config;
  data::ImageDataset data;
  networks::ModelConfig model;
};

BenchSetup setup(const LoopBenchArgs& a) {
  training::TrainOverrides o;
  if (a.objective == "pfgm") {
    o.objective = "pfgm";  // the fashion-mnist-pfgm network and recipe
  } else {
    o.arch = a.arch;
    o.pfgmpp = 1;
    o.aug_dim = a.aug_dim;
  }
  o.cbase = a.cbase;
  o.cres = a.cres;
  o.nblock = a.nblock;
  o.dropout = 0;
  o.augment = 0;
  o.batch = a.batch;
  o.amp = a.dtype;
  o.channels_last = a.channels_last != 0 ? 1 : 0;
  o.data = "random";
  BenchSetup s{training::resolve_train_config(o), {}, {}};
  s.config.network["attn_resolutions"] = parse_list(a.attn, "attn");
  PFGM_CHECK(a.res > 0 && a.channels > 0 && a.batch > 0, "[res] --res, --channels and --batch must be > 0");
  auto gen = core::make_generator(0);
  s.data.images = at::randint(0, 256, {std::max<int64_t>(a.batch, 256), a.channels, a.res, a.res}, gen,
                              at::TensorOptions().dtype(at::kByte));
  s.data.source = "random";
  training::fit_pfgm_to_data(s.config, s.data);
  s.model = training::model_config_for(s.config, s.data);
  return s;
}


json common(const LoopBenchArgs& a, const BenchSetup& s, int threads, c10::Device device, int64_t params) {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return {{"arch", a.arch}, {"cbase", a.cbase}, {"cres", a.cres}, {"nblock", a.nblock}, {"attn", parse_list(a.attn, "attn")},
          {"res", a.res}, {"channels", a.channels}, {"batch", a.batch}, {"aug_dim", a.aug_dim}, {"dtype", a.dtype},
          {"channels_last", a.channels_last}, {"device", device.str()}, {"threads", threads}, {"params", params},
          {"peak_rss_mb", u.ru_maxrss / 1024.0}, {"torch", TORCH_VERSION}, {"cpu_capability", at::get_cpu_capability()},
          {"cpu_bf16", core::cpu_bf16_flags()}, {"iters", a.iters}, {"warmup", a.warmup}, {"model_type", to_string(s.model.family)}};
}

int64_t parameter_count(networks::Model& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

void sync(c10::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index() < 0 ? -1 : device.index());
}
}  // namespace

void run_bench_train(const LoopBenchArgs& a) {
  const int threads = core::configure_process(a.threads);
  const auto device = device_for_rank(core::parse_device(a.device));
  const auto group = join_group(DistArgs{}, device);  // under pfgm launch / torchrun: data-parallel steps
  auto s = setup(a);
  s.config.options.group = group.get();
  s.config.options.total_nimg = int64_t{a.warmup + a.iters} * a.batch;
  s.config.options.tick_nimg = s.config.options.total_nimg;
  s.config.options.dataset_size = s.data.images.size(0);
  at::manual_seed(0);
  auto net = std::make_shared<networks::Model>(s.model);
  net->to(device);
  net->set_channels_last(s.config.pipeline.channels_last);
  training::Trainer trainer(net, s.config.options, training::image_loss(s.data, s.model, s.config.pipeline, device));
  std::vector<double> step_s;
  auto last = clock::now();
  trainer.run([&](const training::Progress&) {
    sync(device);
    const auto now = clock::now();
    step_s.push_back(std::chrono::duration<double>(now - last).count());
    last = now;
  });
  const double t = median(std::vector<double>(step_s.begin() + std::min<size_t>(a.warmup, step_s.size()), step_s.end()));
  if (group && group->rank() != 0) return;
  auto j = common(a, s, threads, device, parameter_count(*net));
  j["processes"] = group ? group->size() : 1;
  j["train_img_per_s"] = a.batch / t;
  j["step_ms"] = t * 1e3;
  std::printf("train %s %s: %.1f img/s (%.1f ms a step of %lld), peak RSS %.0f MB\n", training::arch_name(s.model).c_str(), a.dtype.c_str(),
              a.batch / t, t * 1e3, (long long)a.batch, j["peak_rss_mb"].get<double>());
  std::puts(j.dump().c_str());
}

void run_bench_sample(const LoopBenchArgs& a) {
  const int threads = core::configure_process(a.threads);
  const auto device = core::parse_device(a.device);
  const auto s = setup(a);
  at::manual_seed(0);
  networks::Model model(s.model);
  model.to(device);
  model.set_channels_last(s.config.pipeline.channels_last);
  samplers::SamplerOptions o;
  o.solver = samplers::parse_solver(a.solver);
  PFGM_CHECK(o.solver != samplers::Solver::RK45, "[solver] the benchmark takes heun or euler (fixed steps)");
  o.schedule = {a.steps, s.model.sigma_min, s.model.sigma_max, 7};
  o.batch = a.batch;
  std::vector<int64_t> seeds(a.batch);
  for (int64_t i = 0; i < a.batch; ++i) seeds[i] = i;
  std::vector<double> times;
  int64_t nfe = 0;
  for (int i = 0; i < a.warmup + a.iters; ++i) {
    const auto t0 = clock::now();
    training::AutocastGuard autocast(device.type(), s.config.pipeline.precision);
    nfe = samplers::generate(model, seeds, s.model.sample_shape(), o).nfe;
    sync(device);
    if (i >= a.warmup) times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
  }
  const double t = median(times);
  auto j = common(a, s, threads, device, parameter_count(model));
  j["sample_img_per_s"] = a.batch / t;
  j["nfe"] = nfe;
  j["solver"] = a.solver;
  j["steps"] = a.steps;
  j["batch_s"] = t;
  std::printf("sample %s %s: %.2f img/s (NFE %lld, %.1f s a batch of %lld), peak RSS %.0f MB\n", training::arch_name(s.model).c_str(),
              a.dtype.c_str(), a.batch / t, (long long)nfe, t, (long long)a.batch, j["peak_rss_mb"].get<double>());
  std::puts(j.dump().c_str());
}

}  // namespace pfgm::cli
