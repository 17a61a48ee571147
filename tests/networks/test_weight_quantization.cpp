// Fake quantisation for the robustness study: the min–max rule on a worked example, and which
// weights the study quantises in EDM's and in the original PFGM's networks.
#include <gtest/gtest.h>

#include <algorithm>

#include <torch/types.h>

#include "pfgm/networks/model.h"
#include "pfgm/networks/ncsnpp.h"
#include "pfgm/networks/presets.h"
#include "pfgm/networks/weight_quantization.h"

using namespace pfgm::networks;

TEST(WeightQuantization, MinMaxRuleOnAWorkedExample) {
  // 2 bits over [−1, 1]: scale 2/3, zero point ⌊1.5⌋ = 1; 1 + 1.5·w = −0.5, 0.25, 1, 1.45, 2.5 round
  // (half to even) to 0, 0, 1, 1, 2.
  const auto w = torch::tensor({-1.0f, -0.5f, 0.0f, 0.3f, 1.0f});
  const auto q = fake_quantize(w, 2);
  const auto expected = torch::tensor({-2.0f, -2.0f, 0.0f, 0.0f, 2.0f}) / 3;
  EXPECT_LT((q - expected).abs().max().item<double>(), 1e-6) << q;
  // More bits: closer, within one step (the zero point is truncated, so the grid is shifted by
  // less than a step and the values at one end clamp); 2^bits levels at most, one fewer here.
  const auto r = torch::linspace(-0.3, 0.7, 1001);
  for (int bits : {4, 8}) {
    const double step = 1.0 / (std::pow(2.0, bits) - 1);
    EXPECT_LE((fake_quantize(r, bits) - r).abs().max().item<double>(), step + 1e-6) << bits;
    EXPECT_EQ(std::get<0>(at::_unique(fake_quantize(r, bits))).numel(), std::pow(2, bits) - 1) << bits;
  }
  EXPECT_TRUE(fake_quantize(torch::full({3}, 0.25), 5).equal(torch::full({3}, 0.25)));
}

TEST(WeightQuantization, EdmNetworkKeepsTheTopLevelNormsAndEmbedding) {
  Model m(ModelConfig::from_json(preset_config("fashion-mnist")));
  EXPECT_FALSE(is_quantized_weight(m, "model.enc.32x32_conv.weight"));
  EXPECT_FALSE(is_quantized_weight(m, "model.dec.32x32_block0.conv1.weight"));
  EXPECT_TRUE(is_quantized_weight(m, "model.enc.16x16_block0.conv0.weight"));
  EXPECT_TRUE(is_quantized_weight(m, "model.enc.8x8_block0.qkv.weight"));
  EXPECT_FALSE(is_quantized_weight(m, "model.enc.16x16_block0.conv0.bias"));
  EXPECT_FALSE(is_quantized_weight(m, "model.enc.16x16_block0.norm0.weight"));
  EXPECT_FALSE(is_quantized_weight(m, "model.enc.16x16_block0.affine.weight"));
  EXPECT_FALSE(is_quantized_weight(m, "model.map_layer0.weight"));
  const auto before = m.named_parameters()["model.enc.16x16_block0.conv0.weight"].clone();
  const auto keys = quantize_weights(m, 3);
  EXPECT_NE(std::find(keys.begin(), keys.end(), "model.enc.16x16_block0.conv0.weight"), keys.end());
  const auto after = m.named_parameters()["model.enc.16x16_block0.conv0.weight"];
  EXPECT_FALSE(after.equal(before));
  EXPECT_LE(std::get<0>(at::_unique(after)).numel(), 8);
}

TEST(WeightQuantization, PfgmNetworkByResolutionNotBySubstring) {
  auto config = preset_config("cifar10-pfgm-ddpmpp");  // CIFAR-10's layout, narrower
  config["nf"] = 16;
  Model m(ModelConfig::from_json(config));
  const auto& net = static_cast<const NCSNpp&>(*m.model);
  const auto& res = net.module_resolutions();
  int quantized_32 = 0;
  for (const auto& p : m.named_parameters()) {
    const auto& key = p.key();
    const bool q = is_quantized_weight(m, key);
    const auto idx = std::stoll(key.substr(std::string("module.all_modules.").size()));
    if (res.at(idx) == 32 || res.at(idx) == 0) EXPECT_FALSE(q) << key;  // full resolution and the embedding
    if (key.find("GroupNorm") != std::string::npos || key.find("Dense") != std::string::npos ||
        key.find(".bias") != std::string::npos || key.find(".b") == key.size() - 2)
      EXPECT_FALSE(q) << key;
    if (res.at(idx) == 16 && key.find(".NIN_0.W") != std::string::npos) EXPECT_TRUE(q) << key;  // attention at 16×16
    if (key.find("all_modules.32.") != std::string::npos && q) ++quantized_32;
  }
  EXPECT_EQ(res.front(), 0);
  EXPECT_EQ(res.back(), 32);
  EXPECT_EQ(*std::min_element(res.begin() + 3, res.end()), 4);
  EXPECT_GT(quantized_32, 0) << "all_modules.32 is at a lower resolution: its weights are quantised";
}
