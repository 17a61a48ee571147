// Speed of the vector-data model: one training step and one Heun sampling run (figures in
// items/s = samples/s), on the CPU with the machine's threads.
#include <benchmark/benchmark.h>
#include <torch/types.h>

#include "pfgm/core/device.h"
#include "pfgm/core/rng.h"
#include "pfgm/networks/model.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/training/losses.h"
#include "pfgm/training/trainer.h"

using namespace pfgm;

namespace {
networks::ModelConfig config(double D) {
  networks::ModelConfig c;
  c.N = 2;
  c.D = D;
  c.sigma_max = 20;
  c.sigma_data = 1;
  return c;
}
}  // namespace

static void BM_ToyTrainStep(benchmark::State& state) {
  core::configure_process();
  const int64_t B = state.range(0);
  auto gen = core::make_generator(0);
  const auto data = at::randn({20000, 2}, gen, torch::kFloat64).to(torch::kFloat32);
  training::PFGMPPLoss loss;
  loss.kernel.D = 128;
  training::TrainOptions o;
  o.total_nimg = int64_t{1} << 50;
  o.batch = B;
  o.dataset_size = data.size(0);
  training::Trainer trainer(std::make_shared<networks::Model>(config(128)), o,
                            [&](networks::Model& m, training::Batch& b, int64_t count) {
                              return loss(m, data.index_select(0, b.indices(count)), b.gen);
                            });
  int64_t steps = 0;
  for (auto _ : state) {
    trainer.run({}, [&] { return ++steps % 1 == 0; });
  }
  state.SetItemsProcessed(state.iterations() * B);
}
BENCHMARK(BM_ToyTrainStep)->Arg(512)->Unit(benchmark::kMillisecond);

static void BM_ToyHeunSampling(benchmark::State& state) {
  core::configure_process();
  networks::Model model(config(128));
  samplers::SamplerOptions o;
  o.schedule = {32, 0.002, 20, 7};
  std::vector<int64_t> seeds(state.range(0));
  for (size_t i = 0; i < seeds.size(); ++i) seeds[i] = static_cast<int64_t>(i);
  for (auto _ : state) benchmark::DoNotOptimize(samplers::generate(model, seeds, {2}, o).x);
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["NFE"] = 2 * 32 - 1;
}
BENCHMARK(BM_ToyHeunSampling)->Arg(2000)->Unit(benchmark::kMillisecond);
