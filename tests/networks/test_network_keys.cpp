// The official configurations built from the presets have exactly the reference's state_dict:
// the same names, shapes and order as shared/spec/keys, and the parameter counts of spec 3.8.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <torch/types.h>

#include "pfgm/io/checkpoint.h"
#include "pfgm/networks/model.h"
#include "pfgm/networks/layers/weight_init.h"
#include "pfgm/networks/presets.h"
#include "test_paths.h"

namespace {

using pfgm::networks::Model;
using pfgm::networks::ModelConfig;
using pfgm::networks::preset_config;

std::string shape_string(const torch::Tensor& t) {
  std::string s = "(";
  for (int64_t i = 0; i < t.dim(); ++i) {
    if (i) s += ", ";
    s += std::to_string(t.size(i));
  }
  return s + (t.dim() == 1 ? ",)" : ")");
}

int64_t parameters(const Model& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

void expect_keys(const nlohmann::json& config, const std::string& keys_file) {
  at::NoGradGuard no_grad;
  pfgm::networks::layers::SkipInit skip;
  const Model model(ModelConfig::from_json(config));
  std::ifstream in(pfgm::test_paths::shared_dir() + "/spec/keys/" + keys_file);
  ASSERT_TRUE(in) << keys_file;
  std::vector<std::string> expected;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) expected.push_back(line);
  std::vector<std::string> got;
  for (const auto& [name, t] : pfgm::io::state_dict(model)) got.push_back(name + " " + shape_string(t));
  EXPECT_EQ(got, expected) << keys_file;
}

TEST(NetworkKeys, CifarDdpmppUnconditional) { expect_keys(preset_config("cifar10-ddpmpp"), "edm-songunet-ddpmpp-cifar10-uncond-aug9.txt"); }
TEST(NetworkKeys, CifarDdpmppConditional) { expect_keys(preset_config("cifar10-ddpmpp-cond"), "edm-songunet-ddpmpp-cifar10-cond-aug9.txt"); }
TEST(NetworkKeys, CifarNcsnpp) { expect_keys(preset_config("cifar10-ncsnpp"), "edm-songunet-ncsnpp-cifar10-uncond-aug9.txt"); }
TEST(NetworkKeys, FfhqDdpmpp) { expect_keys(preset_config("ffhq64-ddpmpp"), "edm-songunet-ddpmpp-ffhq64-uncond-aug9.txt"); }
TEST(NetworkKeys, PfgmCifarDdpmpp) { expect_keys(preset_config("cifar10-pfgm-ddpmpp"), "pfgm-ncsnpp-ddpmpp-cifar10.txt"); }
TEST(NetworkKeys, ImagenetAdm) { expect_keys(preset_config("imagenet64-adm"), "edm-dhariwalunet-adm-imagenet64-cond.txt"); }

// Spec 3.8, measured on the reference (buffers not counted).
TEST(NetworkKeys, ParameterCounts) {
  at::NoGradGuard no_grad;
  pfgm::networks::layers::SkipInit skip;
  auto count = [](nlohmann::json j, const nlohmann::json& change) {
    if (change.is_object()) j.update(change);
    return parameters(Model(ModelConfig::from_json(j)));
  };
  EXPECT_EQ(count(preset_config("cifar10-ddpmpp"), {}), 55733891);
  EXPECT_EQ(count(preset_config("cifar10-ddpmpp"), {{"augment_dim", 0}}), 55732739);
  EXPECT_EQ(count(preset_config("cifar10-ddpmpp-cond"), {}), 55735299);
  EXPECT_EQ(count(preset_config("cifar10-ncsnpp"), {}), 56397827);
  EXPECT_EQ(count(preset_config("cifar10-ncsnpp"), {{"augment_dim", 0}}), 56395523);
  EXPECT_EQ(count(preset_config("cifar10-ncsnpp-cond"), {}), 56400643);
  EXPECT_EQ(count(preset_config("ffhq64-ddpmpp"), {}), 61805571);
  EXPECT_EQ(count(preset_config("ffhq64-ncsnpp"), {}), 62761091);
  EXPECT_EQ(count(preset_config("imagenet64-adm"), {}), 295899267);
  // The original PFGM networks (spec 7.3).
  EXPECT_EQ(count(preset_config("cifar10-pfgm-ddpmpp"), {}), 61805572);
  EXPECT_EQ(count(preset_config("cifar10-pfgm-ddpmpp-deep"), {}), 106633732);
  EXPECT_EQ(count(preset_config("cifar10-pfgm-ncsnpp"), {}), 62760068);
  EXPECT_EQ(count(preset_config("celeba64-pfgm-ddpmpp"), {}), 61805572);
  EXPECT_EQ(count(preset_config("bedroom256-pfgm-ddpmpp"), {}), 124076292);
  // LSUN-Church-256, --cres=1,1,2,2,2,2,2 --nblock=2, no augmentation.
  EXPECT_EQ(count(preset_config("cifar10-ddpmpp"), {{"img_resolution", 256},
                                                   {"augment_dim", 0},
                                                   {"channel_mult", {1, 1, 2, 2, 2, 2, 2}},
                                                   {"num_blocks", 2}}),
            65462915);
}

}  // namespace
