// Learning is real: a seeded short run of PFGM++ on Fashion-MNIST (Debian's dataset-fashion-mnist,
// installed by tools/install_deps.sh; the test requires it) lowers the held-out denoising error at
// fixed σ well below the untrained network's, for D = 1, 128 and ∞. Held-out error: the median over
// 256 test images of the per-pixel squared error ‖D(y + n; σ) − y‖²/N, with the same noise n
// (drawn from the D-kernel) for both networks; the median, because at D = 1 a few draws land
// hundreds of σ away and would decide a mean on their own.
#include <gtest/gtest.h>
#include <torch/types.h>

#include "pfgm/core/rng.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/io/pixels.h"
#include "pfgm/networks/model.h"
#include "pfgm/networks/presets.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/physics/perturbation_kernel.h"
#include "pfgm/training/losses.h"
#include "pfgm/training/trainer.h"

using namespace pfgm;

namespace {

constexpr double kSigmas[] = {0.2, 1.0, 5.0};
constexpr double kMargin = 0.6;  // trained error < kMargin × untrained error, at every σ

networks::ModelConfig small_config(double D) {
  auto j = networks::preset_config("fashion-mnist");
  j["model_channels"] = 16;
  j["channel_mult"] = {1, 2};
  j["num_blocks"] = 1;
  j["attn_resolutions"] = nlohmann::json::array();
  j["D"] = std::isinf(D) ? nlohmann::json("inf") : nlohmann::json(D);
  return networks::ModelConfig::from_json(j);
}

// Per-σ held-out error of `net` on `y` with noise from the D-kernel drawn by a fixed generator.
std::vector<double> held_out_error(networks::Model& net, const torch::Tensor& y, double D) {
  at::NoGradGuard no_grad;
  net.eval();
  std::vector<double> out;
  auto gen = core::make_generator(2024);
  for (double sigma : kSigmas) {
    const auto s = torch::full({y.size(0)}, sigma, torch::kFloat64);
    const auto n = physics::sample_perturbation(s, y.sizes().slice(1), {D, false}, gen).to(torch::kFloat32);
    const auto D_x = net.denoise(y + n, s.to(torch::kFloat32));
    out.push_back((D_x - y).pow(2).reshape({y.size(0), -1}).mean(1).median().item<double>());
  }
  return out;
}

}  // namespace

class Learning : public ::testing::TestWithParam<double> {};

TEST_P(Learning, HeldOutDenoisingErrorFallsOnFashionMNIST) {
  const double D = GetParam();
  static const auto train = data::load_idx_dataset(data::fashion_mnist_dir(), true);
  static const auto test = data::load_idx_dataset(data::fashion_mnist_dir(), false);
  const auto held_out = io::to_model_range(test.images.narrow(0, 0, 256));

  const auto config = small_config(D);
  at::manual_seed(7);
  auto net = std::make_shared<networks::Model>(config);
  const auto before = held_out_error(*net, held_out, D);

  training::TrainOptions o;
  o.batch = 32;
  o.total_nimg = 150 * o.batch;
  o.lr = 2e-3;
  o.lr_rampup_nimg = 20 * o.batch;
  o.tick_nimg = o.total_nimg;
  o.dataset_size = train.images.size(0);
  o.seed = 11;
  training::PFGMPPLoss l;
  l.kernel.D = D;
  const auto images = train.images;
  training::Trainer trainer(net, o, [&](networks::Model& m, training::Batch& b, int64_t count) {
    return l(m, io::to_model_range(images.index_select(0, b.indices(count))), b.gen);
  });
  trainer.run();
  const auto after = held_out_error(trainer.net(), held_out, D);
  for (size_t i = 0; i < after.size(); ++i) {
    std::printf("D=%s sigma=%.1f: held-out error %.4f untrained, %.4f after 150 steps (ratio %.2f)\n",
                physics::format_aug_dim(D).c_str(), kSigmas[i], before[i], after[i], after[i] / before[i]);
    EXPECT_LT(after[i], kMargin * before[i]) << "D=" << D << " sigma=" << kSigmas[i];
  }
}

INSTANTIATE_TEST_SUITE_P(D, Learning, ::testing::Values(1.0, 128.0, physics::kInfiniteD));
