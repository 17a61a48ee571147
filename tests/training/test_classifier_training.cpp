// Training pfgm's feature classifier: it learns a synthetic labelled dataset, and one seed gives
// bit-identical weights on the CPU.
#include <gtest/gtest.h>

#include <utility>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/networks/classifier.h"
#include "pfgm/training/classifier_training.h"

namespace {

using pfgm::networks::Classifier;
using pfgm::networks::ClassifierConfig;
using pfgm::training::ClassifierTrainOptions;

// n noisy 16×16 grey images of four shapes at random places: 0 a horizontal bar, 1 a vertical bar,
// 2 a filled 4×4 square, 3 a hollow 6×6 square (all mirror-symmetric, so x-flips keep the class).
std::pair<torch::Tensor, torch::Tensor> shapes(int64_t n, uint64_t seed) {
  auto gen = pfgm::core::make_generator(seed);
  auto x = torch::randint(0, 96, {n, 1, 16, 16}, gen, torch::kInt64);
  const auto y = torch::randint(0, 4, {n}, gen, torch::kInt64);
  const auto pos = torch::randint(1, 9, {n, 2}, gen, torch::kInt64);
  auto a = x.accessor<int64_t, 4>();
  const auto ya = y.accessor<int64_t, 1>();
  const auto pa = pos.accessor<int64_t, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = pa[i][0], c = pa[i][1];
    for (int64_t u = 0; u < 6; ++u)
      for (int64_t v = 0; v < 6; ++v) {
        const bool on = ya[i] == 0   ? u == 2
                        : ya[i] == 1 ? v == 2
                        : ya[i] == 2 ? u >= 1 && u < 5 && v >= 1 && v < 5
                                     : u == 0 || u == 5 || v == 0 || v == 5;
        if (on) a[i][0][r + u][c + v] += 160;
      }
  }
  return {x.to(torch::kUInt8), y};
}

ClassifierConfig shapes_config() {
  ClassifierConfig c;
  c.resolution = 16;
  c.num_classes = 4;
  c.width = 8;
  c.features = 32;
  return c;
}

ClassifierTrainOptions quick_options(uint64_t seed) {
  ClassifierTrainOptions o;
  o.epochs = 4;
  o.batch = 16;
  o.lr = 5e-3;
  o.seed = seed;
  return o;
}

class ClassifierTraining : public ::testing::Test {};

TEST_F(ClassifierTraining, LearnsShapesToHighHeldOutAccuracy) {
  const auto data = shapes(640, 1);
  const torch::Tensor &x = data.first, &y = data.second;
  const auto [hx, hy] = shapes(256, 2);
  Classifier net(shapes_config(), 0);
  const double before = pfgm::training::classifier_accuracy(net, hx, hy);
  std::vector<pfgm::training::ClassifierProgress> seen;
  const auto r = pfgm::training::train_classifier(net, x, y, hx, hy, quick_options(0),
                                                  [&](const auto& p) { seen.push_back(p); });
  EXPECT_LT(before, 0.5);
  EXPECT_GE(r.heldout_accuracy, 0.97);
  EXPECT_DOUBLE_EQ(r.heldout_accuracy, pfgm::training::classifier_accuracy(net, hx, hy, 100));
  // Progress: every step once, epochs ending at 40, 80, 120, 160 with their accuracies, falling loss.
  ASSERT_EQ(seen.size(), 160u);
  ASSERT_EQ(r.epochs.size(), 4u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].step, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(seen[i].total_steps, 160);
    EXPECT_EQ(seen[i].epoch, static_cast<int64_t>(i) / 40 + 1);
    EXPECT_EQ(seen[i].epoch_end, (i + 1) % 40 == 0);
    EXPECT_GT(seen[i].images_per_s, 0);
    EXPECT_GE(seen[i].eta_s, 0);
    if (seen[i].epoch_end) {
      const auto& e = r.epochs[i / 40];
      EXPECT_EQ(e.epoch, seen[i].epoch);
      EXPECT_EQ(e.heldout_accuracy, seen[i].heldout_accuracy);
      EXPECT_EQ(e.loss, seen[i].loss);
      EXPECT_GT(e.seconds, 0);
    } else {
      EXPECT_EQ(seen[i].heldout_accuracy, -1);
    }
  }
  EXPECT_EQ(seen.back().eta_s, 0);
  EXPECT_LT(r.epochs[3].loss, r.epochs[0].loss);
  EXPECT_GT(r.epochs[3].train_accuracy, 0.95);
  // Predictions agree with the logits' argmax.
  at::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(pfgm::training::predict_classes(net, hx, 7), net->forward(hx).argmax(1)));
}

TEST_F(ClassifierTraining, OneSeedGivesBitIdenticalWeights) {
  const auto data = shapes(256, 3);
  const torch::Tensor &x = data.first, &y = data.second;
  auto train = [&](uint64_t seed, bool xflip) {
    Classifier net(shapes_config(), seed);
    auto o = quick_options(seed);
    o.epochs = 1;
    o.xflip = xflip;
    pfgm::training::train_classifier(net, x, y, {}, {}, o);
    return pfgm::io::state_dict(*net);
  };
  const auto a = train(5, true), b = train(5, true), c = train(6, true), d = train(5, false);
  ASSERT_EQ(a.size(), b.size());
  bool seed_differs = false, flip_differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
    seed_differs |= !torch::equal(a[i].second, c[i].second);
    flip_differs |= !torch::equal(a[i].second, d[i].second);
  }
  EXPECT_TRUE(seed_differs);
  EXPECT_TRUE(flip_differs);
}

TEST_F(ClassifierTraining, BadInputsAreOneLineErrors) {
  const auto data = shapes(64, 4);
  const torch::Tensor &x = data.first, &y = data.second;
  Classifier net(shapes_config(), 0);
  auto expect_error = [](const std::function<void()>& f, const std::string& needle) {
    try {
      f();
      ADD_FAILURE() << "no pfgm::Error for " << needle;
    } catch (const pfgm::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto o = quick_options(0);
  expect_error([&] { pfgm::training::train_classifier(net, x, y + 3, {}, {}, o); }, "labels: got values in 3…6, expected 0…3");
  expect_error([&] { pfgm::training::train_classifier(net, x, y.narrow(0, 0, 10), {}, {}, o); }, "expected int64 [64]");
  expect_error([&] { pfgm::training::train_classifier(net, x, torch::Tensor(), {}, {}, o); }, "labels");
  expect_error([&] { pfgm::training::train_classifier(net, x.repeat({1, 3, 1, 1}), y, {}, {}, o); },
               "expected [B, 1, 16, 16]");
  expect_error([&] { pfgm::training::train_classifier(net, x, y, x.narrow(2, 0, 8), y, o); }, "held-out images");
  o.batch = 100;
  expect_error([&] { pfgm::training::train_classifier(net, x, y, {}, {}, o); }, "got 64 images, expected at least one batch of 100");
}

}  // namespace
