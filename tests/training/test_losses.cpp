// The PFGM++ loss: EDM's λ(σ)‖D − y‖² by default; the optional input weight only lowers samples
// whose noisy input lies outside the ball of radius κ·√N·σ_data.
#include <gtest/gtest.h>
#include <torch/types.h>

#include "pfgm/core/rng.h"
#include "pfgm/networks/model.h"
#include "pfgm/physics/preconditioning.h"
#include "pfgm/training/losses.h"

using namespace pfgm;

TEST(PFGMPPLoss, IsTheEDMWeightedErrorAndTheInputWeightOnlyLowersFarSamples) {
  networks::ModelConfig c;
  c.N = 2;
  c.D = 1;
  c.network = {{"hidden", 16}, {"num_blocks", 1}, {"noise_channels", 8}};
  at::manual_seed(0);
  networks::Model net(c);
  const auto y = torch::zeros({4000, 2});
  training::PFGMPPLoss plain;
  plain.kernel.D = 1;
  auto g1 = core::make_generator(5), g2 = core::make_generator(5), g3 = core::make_generator(5);
  const auto l0 = plain(net, y, g1).sum(1);
  auto far = plain;
  far.kappa = 1e6;  // the ball holds every input: no change
  EXPECT_TRUE(torch::allclose(far(net, y, g2).sum(1), l0, 1e-6, 0));
  auto near = plain;
  near.kappa = 1;
  const auto l1 = near(net, y, g3).sum(1);
  EXPECT_TRUE((l1 <= l0 * (1 + 1e-6)).all().item<bool>());
  EXPECT_TRUE((l1 < l0 * 0.5).any().item<bool>());   // D = 1 puts some inputs far outside
  EXPECT_TRUE((l1 == l0).any().item<bool>());        // and many inside
  // The default is EDM's weighting: recompute one sample by hand from the same draws.
  auto g4 = core::make_generator(5);
  const auto sigma = physics::sample_sigma(4000, plain.sigma_dist, g4);
  const auto n = physics::sample_perturbation(sigma, {2}, plain.kernel, g4).to(torch::kFloat32);
  const auto s = sigma.to(torch::kFloat32);
  const auto D_x = net.denoise(n, s);
  const auto expected = physics::edm_loss_weight(s, 0.5) * D_x.pow(2).sum(1);
  EXPECT_TRUE(torch::allclose(l0, expected, 1e-5, 0));
}
