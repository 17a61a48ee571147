// Channels-last is a layout, not a different network: the fused NHWC GroupNorm matches
// torch::group_norm in value and gradient, and a channels-last model matches the same model in
// NCHW (outputs and parameter gradients), for one and several image channels.
#include <gtest/gtest.h>

#include <torch/types.h>

#include "pfgm/io/checkpoint.h"
#include "pfgm/networks/layers/group_norm_nhwc.h"
#include "pfgm/networks/model.h"
#include "pfgm/networks/presets.h"

namespace {

using pfgm::networks::layers::group_norm_nhwc;
using pfgm::networks::layers::is_nhwc;

struct GroupNormCase {
  int64_t B, C, H, W, G;
};

class GroupNormNHWC : public testing::TestWithParam<GroupNormCase> {};

TEST_P(GroupNormNHWC, MatchesTorchGroupNormInValueAndGradient) {
  const auto p = GetParam();
  at::manual_seed(3);
  // An offset and scale per channel, so that the two-pass statistics matter.
  const auto x0 = torch::randn({p.B, p.C, p.H, p.W}) * (1 + torch::rand({1, p.C, 1, 1}) * 4) +
                  torch::randn({1, p.C, 1, 1}) * 10;
  const auto gamma0 = torch::randn({p.C}), beta0 = torch::randn({p.C});
  const auto dy = torch::randn({p.B, p.C, p.H, p.W});

  auto x = x0.clone().requires_grad_(true), gamma = gamma0.clone().requires_grad_(true),
       beta = beta0.clone().requires_grad_(true);
  const auto expected = torch::group_norm(x, p.G, gamma, beta, 1e-6);
  expected.backward(dy);

  auto xl = x0.contiguous(at::MemoryFormat::ChannelsLast).requires_grad_(true);
  auto gl = gamma0.clone().requires_grad_(true), bl = beta0.clone().requires_grad_(true);
  ASSERT_TRUE(is_nhwc(xl));
  const auto got = group_norm_nhwc(xl, p.G, gl, bl, 1e-6);
  got.backward(dy.contiguous(at::MemoryFormat::ChannelsLast));

  EXPECT_TRUE(got.is_contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_LT((got - expected).abs().max().item<double>(), 2e-5);
  EXPECT_LT((xl.grad() - x.grad()).abs().max().item<double>(), 2e-5 * x.grad().abs().max().item<double>());
  EXPECT_LT((gl.grad() - gamma.grad()).abs().max().item<double>(), 1e-4 * gamma.grad().abs().max().item<double>());
  EXPECT_LT((bl.grad() - beta.grad()).abs().max().item<double>(), 1e-4 * beta.grad().abs().max().item<double>());
}

INSTANTIATE_TEST_SUITE_P(Shapes, GroupNormNHWC,
                         testing::Values(GroupNormCase{3, 64, 5, 7, 16}, GroupNormCase{2, 96, 8, 8, 24},
                                         GroupNormCase{4, 32, 16, 16, 32}, GroupNormCase{1, 12, 3, 2, 3}),
                         [](const auto& info) {
                           const auto& p = info.param;
                           return "B" + std::to_string(p.B) + "C" + std::to_string(p.C) + "G" + std::to_string(p.G);
                         });

TEST(GroupNormNHWCBf16, AgreesWithFloat32WithinBf16Rounding) {
  at::manual_seed(4);
  const auto x = (torch::randn({2, 64, 8, 8}) * 3 + 1).to(torch::kBFloat16).contiguous(at::MemoryFormat::ChannelsLast);
  const auto gamma = torch::randn({64}), beta = torch::randn({64});
  const auto got = group_norm_nhwc(x, 32, gamma, beta, 1e-6);
  EXPECT_EQ(got.scalar_type(), torch::kBFloat16);
  const auto expected = torch::group_norm(x.to(torch::kFloat32).contiguous(), 32, gamma, beta, 1e-6);
  // bf16 keeps 8 significant bits: the output rounded (2⁻⁹ relative) from an input rounded alike.
  const auto err = (got.to(torch::kFloat32) - expected).abs();
  EXPECT_TRUE((err <= expected.abs() * 8e-3 + 2e-2 * gamma.abs().max()).all().item<bool>())
      << "max error " << err.max().item<double>();
}

TEST(GroupNormNHWC, RejectsNCHWTensors) {
  EXPECT_FALSE(is_nhwc(torch::randn({2, 8, 4, 4})));
  EXPECT_FALSE(is_nhwc(torch::randn({2, 1, 4, 4}).contiguous(at::MemoryFormat::ChannelsLast)));
  EXPECT_THROW(group_norm_nhwc(torch::randn({2, 8, 4, 4}), 4, torch::ones({8}), torch::zeros({8}), 1e-5),
               std::exception);
}

// D(x; σ) and the gradient of a loss on it, for the model in NCHW and in channels-last.
struct Outputs {
  torch::Tensor D;
  std::vector<torch::Tensor> grads;
};

Outputs run(pfgm::networks::Model& model, const torch::Tensor& x, const torch::Tensor& sigma) {
  model.zero_grad();
  const auto D = model.denoise(x, sigma);
  D.square().sum().backward();
  Outputs o{D.detach(), {}};
  for (const auto& p : model.parameters()) o.grads.push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
  return o;
}

void expect_same_network(const std::string& preset, int64_t channels) {
  at::manual_seed(5);
  auto json = pfgm::networks::preset_config(preset);
  json["img_channels"] = channels;
  json["dropout"] = 0.0;
  const auto config = pfgm::networks::ModelConfig::from_json(json);
  pfgm::networks::Model nchw(config), nhwc(config);
  {
    torch::NoGradGuard no_grad;
    auto src = pfgm::io::state_dict(nchw), dst = pfgm::io::state_dict(nhwc);
    for (size_t i = 0; i < src.size(); ++i) dst[i].second.copy_(src[i].second.normal_(0, 0.05));
  }
  nhwc.set_channels_last(true);
  const auto x = torch::randn({3, channels, config.img_resolution(), config.img_resolution()});
  const auto sigma = torch::tensor({0.1, 1.0, 20.0});
  const auto a = run(nchw, x, sigma), b = run(nhwc, x, sigma);
  EXPECT_LT((a.D - b.D).abs().max().item<double>(), 1e-4 * (1 + a.D.abs().max().item<double>())) << preset;
  ASSERT_EQ(a.grads.size(), b.grads.size());
  for (size_t i = 0; i < a.grads.size(); ++i) {
    if (!a.grads[i].defined()) continue;
    const double scale = 1 + a.grads[i].abs().max().item<double>();
    EXPECT_LT((a.grads[i] - b.grads[i]).abs().max().item<double>(), 1e-3 * scale) << preset << " parameter " << i;
  }
}

TEST(ChannelsLastModel, SameOutputsAndGradientsAsNCHW) {
  expect_same_network("tiny-ddpmpp", 3);
  expect_same_network("tiny-ddpmpp", 1);
}

}  // namespace
