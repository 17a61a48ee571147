// pfgm's feature classifier: configuration, shapes, save/load, the detector and its bad inputs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/eval/detector.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/io/safetensors.h"
#include "pfgm/networks/classifier.h"

namespace {

using pfgm::networks::Classifier;
using pfgm::networks::ClassifierConfig;

std::string temp(const std::string& name) {
  return ::testing::TempDir() + "pfgm_classifier_" + std::to_string(::getpid()) + "_" + name;
}

ClassifierConfig small_config(int64_t channels = 1, int64_t resolution = 16) {
  ClassifierConfig c;
  c.channels = channels;
  c.resolution = resolution;
  c.num_classes = 5;
  c.width = 4;
  c.features = 24;
  return c;
}

torch::Tensor random_images(int64_t n, int64_t c, int64_t r, uint64_t seed) {
  auto gen = pfgm::core::make_generator(seed);
  return torch::randint(0, 256, {n, c, r, r}, gen, torch::kInt64).to(torch::kUInt8);
}

void expect_throws_with(const std::function<void()>& f, const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "no pfgm::Error thrown";
  } catch (const pfgm::Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    for (const auto& n : needles) EXPECT_NE(m.find(n), std::string::npos) << "'" << n << "' not in: " << m;
  }
}

class ClassifierNet : public ::testing::Test {};

TEST_F(ClassifierNet, StagesAndShapesFollowTheConfig) {
  for (int64_t r : {8, 16, 32, 64}) {
    for (int64_t c : {1, 3}) {
      auto cfg = small_config(c, r);
      EXPECT_EQ(cfg.num_stages(), r == 8 ? 1 : r == 16 ? 2 : r == 32 ? 3 : 4);
      Classifier net(cfg);
      const auto x = random_images(3, c, r, 1);
      const auto f = net->features(x);
      EXPECT_EQ(f.sizes(), (std::vector<int64_t>{3, 24}));
      EXPECT_EQ(f.scalar_type(), torch::kFloat32);
      EXPECT_EQ(net->forward(x).sizes(), (std::vector<int64_t>{3, 5}));
    }
  }
  // Stage widths double up to max_width; the state dict names every layer.
  auto cfg = small_config(1, 64);
  cfg.max_width = 12;
  cfg.blocks = 2;
  EXPECT_EQ(cfg.stage_channels(0), 4);
  EXPECT_EQ(cfg.stage_channels(1), 8);
  EXPECT_EQ(cfg.stage_channels(3), 12);
  Classifier net(cfg);
  std::vector<std::string> names;
  for (const auto& [name, t] : pfgm::io::state_dict(*net)) names.push_back(name + std::to_string(t.size(0)));
  EXPECT_EQ(names.front(), "conv0_0.weight4");
  EXPECT_NE(std::find(names.begin(), names.end(), "conv3_1.weight12"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "norm3_1.bias12"), names.end());
  EXPECT_EQ(names.back(), "out.bias5");
}

TEST_F(ClassifierNet, SeedsGiveTheSameWeights) {
  Classifier a(small_config(), 7), b(small_config(), 7), c(small_config(), 8);
  const auto sa = pfgm::io::state_dict(*a), sb = pfgm::io::state_dict(*b), sc = pfgm::io::state_dict(*c);
  bool differs = false;
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_TRUE(torch::equal(sa[i].second, sb[i].second)) << sa[i].first;
    differs |= !torch::equal(sa[i].second, sc[i].second);
  }
  EXPECT_TRUE(differs);
}

TEST_F(ClassifierNet, ConfigJsonRoundTripAndBadValues) {
  auto cfg = small_config(3, 32);
  cfg.blocks = 2;
  const auto back = ClassifierConfig::from_json(cfg.to_json());
  EXPECT_EQ(back.to_json(), cfg.to_json());
  expect_throws_with([] { ClassifierConfig::from_json({{"resolution", 24}}); }, {"resolution", "got 24", "power of two"});
  expect_throws_with([] { ClassifierConfig::from_json({{"channels", 2}}); }, {"channels", "got 2"});
  expect_throws_with([] { ClassifierConfig::from_json({{"depth", 2}}); }, {"unknown key 'depth'"});
  expect_throws_with([] { ClassifierConfig::from_json({{"width", "wide"}}); }, {"width", "integer"});
}

TEST_F(ClassifierNet, SaveLoadGivesIdenticalFeatures) {
  Classifier net(small_config(3, 16), 3);
  const auto path = temp("roundtrip.safetensors");
  pfgm::networks::save_classifier(path, net, {{"note", "x"}});
  const auto file = pfgm::io::read_safetensors(path);
  EXPECT_EQ(file.metadata.at("kind"), "classifier");
  EXPECT_EQ(nlohmann::json::parse(file.metadata.at("config")), net->config().to_json());
  EXPECT_EQ(file.metadata.at("note"), "x");
  auto back = pfgm::networks::load_classifier(path);
  const auto x = random_images(6, 3, 16, 2);
  at::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(net->features(x), back->features(x)));
  EXPECT_TRUE(torch::equal(net->forward(x), back->forward(x)));
  ::unlink(path.c_str());
}

TEST_F(ClassifierNet, DetectorGivesFeaturesAndProbabilities) {
  Classifier net(small_config(1, 16), 4);
  const auto path = temp("detector.safetensors");
  pfgm::networks::save_classifier(path, net);
  std::vector<std::unique_ptr<pfgm::eval::Detector>> detectors;
  detectors.push_back(pfgm::eval::make_classifier_detector(path, torch::kCPU));
  detectors.push_back(pfgm::eval::load_detector(path, torch::kCPU));
  for (const auto& d : detectors) {
    EXPECT_EQ(d->feature_dim(), 24);
    EXPECT_EQ(d->path(), path);
    const auto x = random_images(9, 1, 16, 5);
    const auto r = d->detect(x);
    ASSERT_TRUE(r.probs.defined());
    EXPECT_EQ(r.features.sizes(), (std::vector<int64_t>{9, 24}));
    EXPECT_EQ(r.probs.sizes(), (std::vector<int64_t>{9, 5}));
    EXPECT_EQ(r.features.scalar_type(), torch::kFloat64);
    EXPECT_EQ(r.probs.scalar_type(), torch::kFloat64);
    EXPECT_TRUE(r.features.device().is_cpu());
    EXPECT_LT((r.probs.sum(1) - 1).abs().max().item<double>(), 1e-12);
    EXPECT_GE(r.probs.min().item<double>(), 0.0);
    // The same numbers as the network itself: features, then softmax of the logits.
    at::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(r.features, net->features(x).to(torch::kFloat64)));
    EXPECT_LT((r.probs - torch::softmax(net->forward(x).to(torch::kFloat64), 1)).abs().max().item<double>(), 1e-7);
    // An image batch of another shape: one line naming the file and both shapes.
    expect_throws_with([&] { d->detect(random_images(2, 3, 16, 6)); }, {path, "[2, 3, 16, 16]", "[B, 1, 16, 16]"});
    expect_throws_with([&] { d->detect(random_images(2, 1, 32, 6)); }, {path, "[2, 1, 32, 32]", "[B, 1, 16, 16]"});
    expect_throws_with([&] { d->detect(random_images(2, 1, 16, 6).to(torch::kFloat32)); }, {path, "Float"});
  }
  ::unlink(path.c_str());
}

TEST_F(ClassifierNet, NonClassifierFilesAreOneLineErrors) {
  // A network snapshot (weights + a model config, no "kind"), and a file of another kind.
  const auto snapshot = temp("network-snapshot-000000.safetensors");
  pfgm::io::write_safetensors(snapshot, {{"map.weight", torch::zeros({2, 2})}}, {{"config", "{\"model_type\": \"ToyMLP\"}"}});
  expect_throws_with([&] { pfgm::networks::load_classifier(snapshot); }, {snapshot, "not a classifier", "kind 'none'"});
  expect_throws_with([&] { pfgm::eval::make_classifier_detector(snapshot, torch::kCPU); }, {snapshot, "not a classifier"});
  const auto other = temp("other.safetensors");
  pfgm::io::write_safetensors(other, {{"w", torch::zeros({1})}}, {{"kind", "golden"}});
  expect_throws_with([&] { pfgm::networks::load_classifier(other); }, {other, "kind 'golden'"});
  // A classifier whose weights do not match its config.
  const auto broken = temp("broken.safetensors");
  pfgm::io::write_safetensors(broken, {{"w", torch::zeros({1})}},
                              {{"kind", "classifier"}, {"config", small_config().to_json().dump()}});
  expect_throws_with([&] { pfgm::networks::load_classifier(broken); }, {broken, "missing conv0_0.weight"});
  pfgm::io::write_safetensors(broken, {{"w", torch::zeros({1})}}, {{"kind", "classifier"}, {"config", "{\"width\": 0}"}});
  expect_throws_with([&] { pfgm::networks::load_classifier(broken); }, {broken, "width: got 0"});
  for (const auto& p : {snapshot, other, broken}) ::unlink(p.c_str());
}

}  // namespace
