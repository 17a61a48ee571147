// The original PFGM network: the field it predicts has N + 1 components, each sample's output
// depends on that sample alone, and every parameter receives a gradient.
#include <gtest/gtest.h>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/networks/model.h"
#include "pfgm/networks/presets.h"

namespace {

using pfgm::networks::Model;
using pfgm::networks::ModelConfig;

nlohmann::json small(const std::string& preset) {
  auto j = pfgm::networks::preset_config(preset);
  j.update({{"img_resolution", 16}, {"nf", 16}, {"ch_mult", {1, 2}}, {"num_res_blocks", 1}, {"attn_resolutions", {8}},
            {"dropout", 0.0}, {"init_scale", 1.0}});
  return j;
}

void check_field(const std::string& preset) {
  at::manual_seed(0);
  Model model(ModelConfig::from_json(small(preset)));
  model.eval();
  const int64_t N = 3 * 16 * 16;
  ASSERT_EQ(model.config().N, N);
  const auto x = torch::randn({3, N});
  const auto z = torch::tensor({0.01, 1.0, 30.0});
  const auto v = model.field(x, z);
  ASSERT_EQ(v.sizes(), (std::vector<int64_t>{3, N + 1}));
  EXPECT_TRUE(torch::isfinite(v).all().item<bool>());
  for (int64_t i = 0; i < 3; ++i) {
    const auto one = model.field(x.slice(0, i, i + 1), z.slice(0, i, i + 1));
    EXPECT_LT((one[0] - v[i]).abs().max().item<double>(), 1e-5 * (1 + v[i].abs().max().item<double>())) << preset;
  }
  // z matters, and every parameter is trained.
  EXPECT_GT((model.field(x, z * 2) - v).abs().max().item<double>(), 1e-6);
  model.train();
  model.field(x, z).square().sum().backward();
  for (const auto& p : model.named_parameters()) {
    if (!p.value().requires_grad()) continue;  // the Fourier frequencies are fixed
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << preset << " " << p.key();
  }
}

TEST(NCSNpp, DdpmppFieldShapeIndependenceAndGradients) { check_field("cifar10-pfgm-ddpmpp"); }
TEST(NCSNpp, NcsnppFieldShapeIndependenceAndGradients) { check_field("cifar10-pfgm-ncsnpp"); }

TEST(NCSNpp, RequiresThePfgmObjective) {
  auto j = small("cifar10-pfgm-ddpmpp");
  j["precond"] = "edm";
  EXPECT_THROW(Model(ModelConfig::from_json(j)), pfgm::Error);
}

}  // namespace
