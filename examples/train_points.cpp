// train_points: PFGM++ trained on a CSV point set with the pfgm library, then 1000 samples.
//
//   train_points POINTS.csv OUTDIR [ITERS=500]
//
// POINTS.csv holds one point per row (any dimension N, comma-separated, see pfgm/data/csv.h);
// points of about unit scale suit the recipe (σ_data = 1, sampling σ in [0.002, 20]). The program
// trains the vector recipe of `pfgm toy train` (a residual MLP, PFGM++ with D = 128, EMA weights)
// for ITERS steps, which writes OUTDIR/network-snapshot-*.safetensors, training-state-*.safetensors
// and stats.jsonl, then samples seeds 0-999 from the EMA network into OUTDIR/samples.csv.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/data/csv.h"
#include "pfgm/networks/model.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/training/training_driver.h"
#include "pfgm/training/vector_recipe.h"

namespace {

using namespace pfgm;

// A status line on stderr at the end of every tick (the recipe makes about 20 of them).
void report(const training::Progress& p) {
  if (p.tick_end || p.step == p.total_steps)
    std::fprintf(stderr, "step %lld/%lld  loss %.4f\n", static_cast<long long>(p.step),
                 static_cast<long long>(p.total_steps), p.loss);
}

// Runs `trainer` to its end; returns false when stopped early (SIGINT/SIGTERM).
bool train(training::Trainer& trainer) {
  // drive() runs the Trainer to its end, writes the snapshot and training state, and on a signal
  // stops after the current step with both written (DriverOptions::resume continues from it).
  const auto result = training::drive(trainer, training::DriverOptions{}, nullptr, report);
  if (result.interrupted) {
    std::fprintf(stderr, "interrupted; training state %s\n", trainer.last_state().c_str());
    return false;
  }
  std::printf("snapshot: %s (%lld steps in %.1f s)\n", trainer.last_snapshot().c_str(),
              static_cast<long long>(trainer.step()), result.seconds);
  return true;
}

int train_points(const std::string& csv, const std::string& outdir, int64_t iters) {
  const torch::Tensor points = data::read_points_csv(csv);  // [n, N] float64

  // The recipe's defaults (PFGM++, D = 128, batch 512, Adam at 2e-3) with ITERS steps. The model
  // configuration records N, D and the σ range, so the snapshot samples without flags.
  training::VectorRecipe recipe;
  recipe.iters = iters;
  const auto config = training::vector_model_config(recipe, points);
  at::manual_seed(0);  // the network's initial weights
  auto net = std::make_shared<networks::Model>(config);
  training::Trainer trainer(net, training::vector_train_options(recipe, points.size(0), outdir),
                            training::vector_loss(config, recipe, points, torch::kCPU));
  if (!train(trainer)) return 130;

  // 1000 samples from the EMA weights: Heun's solver in 32 steps (63 network evaluations) from
  // σ_max = 20 to σ_min = 0.002, as `pfgm toy sample` does by default.
  samplers::SamplerOptions options;
  options.schedule = {32, config.sigma_min, config.sigma_max, 7};
  std::vector<int64_t> seeds;
  for (int64_t seed = 0; seed < 1000; ++seed) seeds.push_back(seed);
  const auto samples = samplers::generate(trainer.ema(), seeds, {config.N}, options);

  const std::string out = outdir + "/samples.csv";
  data::write_points_csv(out, samples.x);  // [1000, N], full precision, written atomically
  std::printf("samples: %s (%lld points, NFE %lld)\n", out.c_str(), static_cast<long long>(samples.x.size(0)),
              static_cast<long long>(samples.nfe));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: %s POINTS.csv OUTDIR [ITERS=500]\n", argv[0]);
    return 2;
  }
  try {
    int64_t iters = 500;
    if (argc > 3) {
      char* end = nullptr;
      iters = std::strtoll(argv[3], &end, 10);
      PFGM_CHECK(end != argv[3] && *end == '\0' && iters > 0, "[ITERS] got '", argv[3], "', expected a positive integer");
    }
    return train_points(argv[1], argv[2], iters);
  } catch (const std::exception& e) {
    // pfgm::Error messages are one line; other errors (LibTorch, the file system) keep their first.
    const std::string message = e.what();
    std::fprintf(stderr, "train_points: error: %s\n", message.substr(0, message.find('\n')).c_str());
    return 1;
  }
}
