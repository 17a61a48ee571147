// The trainer: bit-identical resume, and samples that do not depend on the sampling batch size.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <filesystem>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/networks/model.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/training/losses.h"
#include "pfgm/training/trainer.h"

using namespace pfgm;

namespace {
networks::ModelConfig tiny_config(networks::Precond precond, double D) {
  networks::ModelConfig c;
  c.N = 2;
  c.D = D;
  c.precond = precond;
  c.sigma_max = 10;
  c.z_max = 5;
  c.network = {{"hidden", 32}, {"num_blocks", 2}, {"noise_channels", 16}};
  return c;
}

training::LossFn loss_for(const networks::ModelConfig& c, const torch::Tensor& data) {
  const int64_t n = data.size(0);
  if (c.precond == networks::Precond::PFGM) {
    training::PFGMLoss l;
    l.perturbation.M = 100;
    return [=](networks::Model& m, training::Batch& b, int64_t count) {
      const auto Y = data.index_select(0, b.indices(4 * count));
      return l(m, Y.narrow(0, 0, count), Y, b.gen);
    };
  }
  training::PFGMPPLoss l;
  l.kernel.D = c.D;
  return [=](networks::Model& m, training::Batch& b, int64_t count) {
    return l(m, data.index_select(0, b.indices(count)), b.gen);
  };
}

std::shared_ptr<networks::Model> fresh(const networks::ModelConfig& c) {
  at::manual_seed(0);
  return std::make_shared<networks::Model>(c);
}

std::string temp(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("pfgm_trainer_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}
}  // namespace

class Resume : public ::testing::TestWithParam<int> {};

TEST_P(Resume, ContinuesBitIdentically) {
  const auto c = GetParam() == 0 ? tiny_config(networks::Precond::EDM, 4) : tiny_config(networks::Precond::PFGM, 1);
  auto gen = core::make_generator(1);
  const auto data = at::randn({500, 2}, gen, torch::kFloat64).to(torch::kFloat32);
  training::TrainOptions o;
  o.batch = 32;
  o.batch_gpu = 16;  // two rounds of accumulated gradients
  o.total_nimg = 12 * o.batch;
  o.lr_rampup_nimg = 5 * o.batch;
  o.tick_nimg = 4 * o.batch;
  o.dataset_size = data.size(0);
  o.seed = 3;

  auto straight_net = fresh(c);
  training::Trainer straight(straight_net, o, loss_for(c, data));
  straight.run();

  auto o_half = o;
  o_half.total_nimg = 6 * o.batch;
  auto first_net = fresh(c);
  training::Trainer first(first_net, o_half, loss_for(c, data));
  first.run();
  const auto state = temp("state-" + std::to_string(GetParam()) + ".safetensors");
  first.save_state(state);

  auto second_net = fresh(c);
  at::manual_seed(99);  // different global state must not matter
  training::Trainer second(second_net, o, loss_for(c, data));
  second.load_state(state);
  EXPECT_EQ(second.step(), 6);
  second.run();

  const auto a = io::state_dict(straight.net()), b = io::state_dict(second.net());
  const auto ea = io::state_dict(straight.ema()), eb = io::state_dict(second.ema());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
    EXPECT_TRUE(torch::equal(ea[i].second, eb[i].second)) << ea[i].first;
  }
  // And training really moved the weights.
  auto untrained = fresh(c);
  EXPECT_FALSE(torch::equal(io::state_dict(*untrained)[0].second, a[0].second));
}

INSTANTIATE_TEST_SUITE_P(Objectives, Resume, ::testing::Values(0, 1));

TEST(Resume, RejectsAStateOfAnotherModel) {
  auto gen = core::make_generator(1);
  const auto data = at::randn({100, 2}, gen, torch::kFloat64).to(torch::kFloat32);
  const auto c = tiny_config(networks::Precond::EDM, 4);
  training::TrainOptions o;
  o.total_nimg = 16;
  o.batch = 8;
  o.dataset_size = data.size(0);
  training::Trainer t(fresh(c), o, loss_for(c, data));
  t.run();
  const auto state = temp("state-other.safetensors");
  t.save_state(state);
  auto c2 = c;
  c2.network["hidden"] = 16;
  training::Trainer t2(fresh(c2), o, loss_for(c2, data));
  try {
    t2.load_state(state);
    FAIL() << "loaded a state of another model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another model configuration"), std::string::npos) << e.what();
  }
}

TEST(Generate, SamplesDoNotDependOnTheBatchSize) {
  for (auto precond : {networks::Precond::EDM, networks::Precond::PFGM}) {
    for (double D : {1.0, 128.0, physics::kInfiniteD}) {
      if (precond == networks::Precond::PFGM && D != 1.0) continue;
      auto model = fresh(tiny_config(precond, D));
      samplers::SamplerOptions o;
      o.schedule = {8, 0.002, 10, 7};
      o.solver = precond == networks::Precond::PFGM ? samplers::Solver::Euler : samplers::Solver::Heun;
      o.churn = {precond == networks::Precond::EDM ? 5.0 : 0.0, 0.01, 5, 1.0};
      std::vector<int64_t> seeds{3, 1, 4, 1, 5, 9, 2, 6};
      o.batch = 8;
      const auto all = samplers::generate(*model, seeds, {2}, o).x;
      o.batch = 3;
      const auto chunks = samplers::generate(*model, seeds, {2}, o).x;
      // Float32 kernels may sum in another order at another batch size: equal to 1e−6 relative to
      // the samples' scale (the D = 1 prior reaches radii of 1e4, where float32 resolves 1e−3).
      const double scale = std::max(1.0, all.abs().max().item<double>());
      // At D = 1 the untrained network sees inputs of 1e4 and amplifies the rounding to 1e−5–1e−4,
      // depending on the CPU's kernels; a wrong random stream would differ by O(1).
      EXPECT_LT((all - chunks).abs().max().item<double>() / scale, D == 1.0 ? 1e-4 : 1e-6) << "D=" << D;
      EXPECT_TRUE(torch::allclose(all[1], all[3], 0, 0)) << "same seed, same sample";
    }
  }
}

TEST(LearningRate, RampsUpThenDecaysLinearlyToZero) {
  pfgm::training::TrainOptions o;
  o.lr = 2e-3;
  o.batch = 64;
  o.total_nimg = 6400;  // 100 steps
  o.lr_rampup_nimg = 640;
  EXPECT_DOUBLE_EQ(pfgm::training::learning_rate(o, 0), 2e-4);  // the first step's images counted
  EXPECT_DOUBLE_EQ(pfgm::training::learning_rate(o, 320), 1.2e-3);
  EXPECT_DOUBLE_EQ(pfgm::training::learning_rate(o, 6336), 2e-3);  // constant, as EDM
  o.lr_decay = 0.5;
  EXPECT_DOUBLE_EQ(pfgm::training::learning_rate(o, 3200), 2e-3);
  EXPECT_DOUBLE_EQ(pfgm::training::learning_rate(o, 4800), 1e-3);
  EXPECT_DOUBLE_EQ(pfgm::training::learning_rate(o, 6336), 2e-3 * 64 / 3200);  // the last step still moves
}

TEST(Trainer, ScoreSdeEmaAndGradientClip) {
  // score_sde's EMA: the n-th update uses β_n = min(rate, (1 + n)/(10 + n)); the gradient-norm
  // clip leaves the gradients Adam sees at the clip's norm.
  const auto c = tiny_config(networks::Precond::EDM, 4);
  auto gen = core::make_generator(2);
  const auto data = at::randn({200, 2}, gen, torch::kFloat64).to(torch::kFloat32);
  training::TrainOptions o;
  o.batch = 16;
  o.total_nimg = 3 * o.batch;
  o.tick_nimg = o.total_nimg;
  o.dataset_size = data.size(0);
  o.ema_rate = 0.5;  // below (1+n)/(10+n) from n = 8 on: here β = 2/11, 3/12, 4/13
  auto net = fresh(c);
  std::vector<std::vector<torch::Tensor>> params;  // the net's parameters after each step
  std::vector<torch::Tensor> ema = [&] {
    std::vector<torch::Tensor> v;
    for (const auto& p : net->parameters()) v.push_back(p.detach().clone());
    return v;
  }();
  training::Trainer t(net, o, loss_for(c, data));
  int step = 0;
  t.run([&](const training::Progress&) {
    ++step;
    const double beta = std::min(0.5, (1.0 + step) / (10.0 + step));
    auto p = net->parameters();
    for (size_t i = 0; i < ema.size(); ++i) ema[i] = p[i].detach().lerp(ema[i], beta);
  });
  auto got = t.ema().parameters();
  for (size_t i = 0; i < ema.size(); ++i)
    EXPECT_LT((got[i] - ema[i]).abs().max().item<double>(), 1e-6) << i;

  // With a clip far below the gradients' norm, the accumulated gradients end at that norm.
  o.grad_clip = 1e-3;
  o.total_nimg = o.batch;
  auto clipped = fresh(c);
  training::Trainer tc(clipped, o, loss_for(c, data));
  tc.run();
  double sq = 0;
  for (const auto& p : clipped->parameters())
    if (p.grad().defined()) sq += p.grad().square().sum().item<double>();
  EXPECT_NEAR(std::sqrt(sq), 1e-3, 1e-6);
}
