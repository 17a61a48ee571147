// Freshly initialised networks follow the reference's initialisation (spec 3.1-3.4) layer by
// layer: each uniform weight tensor passes a KS test against U(−a, a) with the bound of its
// mode, fan and scale; the normal ones against N(0, s²); zero-initialised layers are zero.
#include <gtest/gtest.h>

#include <cmath>

#include <torch/types.h>

#include "pfgm/eval/ks_test.h"
#include "pfgm/io/checkpoint.h"
#include "pfgm/networks/model.h"
#include "pfgm/networks/presets.h"

namespace {

using pfgm::networks::Model;
using pfgm::networks::ModelConfig;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<double> values(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kFloat64).contiguous().flatten();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

// Fans of a Linear [out, in] or Conv2d [out, in, k, k] weight.
std::pair<double, double> fans(const torch::Tensor& w) {
  const double k2 = w.dim() == 4 ? static_cast<double>(w.size(2) * w.size(3)) : 1.0;
  return {w.size(1) * k2, w.size(0) * k2};
}

double min_p = 1e-4;  // per tensor; dozens of tensors per network

void expect_uniform(const std::string& name, const torch::Tensor& t, double bound) {
  if (t.numel() < 64) return;
  const double a = t.abs().max().item<double>();
  EXPECT_LE(a, bound * (1 + 1e-6)) << name;
  const auto r = pfgm::eval::ks_test(values(t / bound), [](double x) { return std::clamp((x + 1) / 2, 0.0, 1.0); });
  EXPECT_GT(r.p_value, min_p) << name << " is not U(-" << bound << ", " << bound << ")";
}

void expect_normal(const std::string& name, const torch::Tensor& t, double std) {
  if (t.numel() < 64) return;
  const auto r = pfgm::eval::ks_test(values(t / std), [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); });
  EXPECT_GT(r.p_value, min_p) << name << " is not N(0, " << std << "^2)";
}

TEST(NetworkInit, SongUNetXavierUniformWithZeroAndAttentionScales) {
  at::manual_seed(1);
  auto config = pfgm::networks::preset_config("fashion-mnist");
  config["embedding_type"] = "fourier";  // also covers the Fourier frequencies
  config["channel_mult_noise"] = 2;
  config["label_dim"] = 10;
  config["augment_dim"] = 9;
  const Model model(ModelConfig::from_json(config));
  int checked = 0;
  for (const auto& [name, t] : pfgm::io::state_dict(model)) {
    if (ends_with(name, "resample_filter")) continue;
    if (ends_with(name, "map_noise.freqs")) {
      expect_normal(name, t, 16);  // FourierEmbedding(scale = 16)
    } else if (name.find("norm") != std::string::npos) {
      EXPECT_TRUE(torch::equal(t, ends_with(name, "weight") ? torch::ones_like(t) : torch::zeros_like(t))) << name;
    } else if (ends_with(name, ".bias")) {
      EXPECT_TRUE(torch::equal(t, torch::zeros_like(t))) << name;  // init_bias = 0
    } else {
      const auto [fan_in, fan_out] = fans(t);
      double scale = 1;
      if (ends_with(name, "conv1.weight") || ends_with(name, "proj.weight") || ends_with(name, "aux_conv.weight"))
        scale = 1e-5;  // init_zero
      else if (ends_with(name, "qkv.weight"))
        scale = std::sqrt(0.2);  // init_attn
      expect_uniform(name, t, scale * std::sqrt(6 / (fan_in + fan_out)));
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
}

TEST(NetworkInit, DhariwalUNetKaimingUniformAndZeroOutputs) {
  at::manual_seed(2);
  nlohmann::json config = pfgm::networks::preset_config("imagenet64-adm");
  config.update({{"img_resolution", 16}, {"model_channels", 64}, {"channel_mult", {1, 2}}, {"num_blocks", 1},
                 {"attn_resolutions", {8}}, {"augment_dim", 9}, {"label_dim", 100}});
  const Model model(ModelConfig::from_json(config));
  int checked = 0;
  for (const auto& [name, t] : pfgm::io::state_dict(model)) {
    if (ends_with(name, "resample_filter")) continue;
    if (name.find("norm") != std::string::npos) {
      EXPECT_TRUE(torch::equal(t, ends_with(name, "weight") ? torch::ones_like(t) : torch::zeros_like(t))) << name;
      continue;
    }
    const bool zero = name.find("conv1.") != std::string::npos || name.find("proj.") != std::string::npos ||
                      name.find("out_conv.") != std::string::npos || name.find("map_augment.") != std::string::npos;
    if (zero) {
      EXPECT_TRUE(torch::equal(t, torch::zeros_like(t))) << name;  // init_zero: exact zeros
    } else if (ends_with(name, "map_label.weight")) {
      expect_normal(name, t, 1);  // kaiming_normal × √label_dim
    } else {
      // kaiming_uniform × √(1/3): U(±1/√fan_in) for weights and biases (PyTorch's default).
      const std::string weight_name = ends_with(name, ".bias") ? name.substr(0, name.size() - 4) + "weight" : name;
      torch::Tensor w;
      for (const auto& [n2, t2] : pfgm::io::state_dict(model))
        if (n2 == weight_name) w = t2;
      ASSERT_TRUE(w.defined()) << name;
      expect_uniform(name, t, 1 / std::sqrt(fans(w).first));
      ++checked;
    }
  }
  EXPECT_GT(checked, 20);
}

// The test can fail: a normal tensor is not uniform, and a wrong bound is caught.
TEST(NetworkInit, NegativeControls) {
  at::manual_seed(3);
  const auto normal = torch::randn({4096}) * 0.5;
  EXPECT_LT(pfgm::eval::ks_test(values(normal / 0.87), [](double x) { return std::clamp((x + 1) / 2, 0.0, 1.0); })
                .p_value,
            min_p);
  const auto uniform = torch::rand({4096}) * 2 - 1;
  EXPECT_LT(pfgm::eval::ks_test(values(uniform / 1.2), [](double x) { return std::clamp((x + 1) / 2, 0.0, 1.0); })
                .p_value,
            min_p);
}

}  // namespace
