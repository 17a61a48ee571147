// The PFGM++ perturbation kernel and prior against their exact laws (KS tests), the official
// clipped draw as a negative control, and per-seed independence of the prior.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <tuple>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/eval/ks_test.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/physics/perturbation_kernel.h"
#include "pfgm/physics/prior.h"

using namespace pfgm;
using physics::KernelOptions;

namespace {
constexpr int64_t kDraws = 20000;

std::vector<double> to_vector(const torch::Tensor& t) {
  auto c = t.to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// 1/(1 + R²/r²) ~ Beta(D/2, N/2): the complement of R²/(R² + r²) ~ Beta(N/2, D/2), kept accurate near 1.
double ks_p_value_of_radius(const torch::Tensor& R, int64_t N, double D, double sigma) {
  const double r = sigma * std::sqrt(D);
  const auto v = 1 / (1 + (R / r).pow(2));
  return eval::ks_test(to_vector(v), eval::beta_cdf(D / 2, N / 2.0)).p_value;
}
}  // namespace

class RadiusLaw : public ::testing::TestWithParam<std::tuple<int64_t, double>> {};

TEST_P(RadiusLaw, FollowsBetaPrime) {
  const auto [N, D] = GetParam();
  auto gen = core::make_generator(1000 + N + static_cast<uint64_t>(D));
  const double sigma = 0.7;
  const auto R = physics::sample_radius(torch::full({kDraws}, sigma, torch::kFloat64), N, KernelOptions{D}, gen);
  const double p = ks_p_value_of_radius(R, N, D, sigma);
  EXPECT_GT(p, 0.01) << "N=" << N << " D=" << D;
}

class ChiLaw : public ::testing::TestWithParam<int64_t> {};

TEST_P(ChiLaw, DiffusionLimitFollowsChi) {
  const int64_t N = GetParam();
  auto gen = core::make_generator(77 + N);
  const double sigma = 2.5;
  const auto R = physics::sample_radius(torch::full({kDraws}, sigma, torch::kFloat64), N,
                                        KernelOptions{physics::kInfiniteD}, gen);
  EXPECT_GT(eval::ks_test(to_vector(R / sigma), eval::chi_cdf(N)).p_value, 0.01) << "N=" << N;
}

INSTANTIATE_TEST_SUITE_P(Grid, ChiLaw, ::testing::Values<int64_t>(2, 784, 3072));
INSTANTIATE_TEST_SUITE_P(Grid, RadiusLaw,
                         ::testing::Combine(::testing::Values<int64_t>(2, 784, 3072),
                                            ::testing::Values(1.0, 2.0, 128.0, 2048.0)));

TEST(RadiusLaw, OfficialClipIsRejected) {
  // Negative control: the official training draw clips B to 1 − 1e−3 (R ≤ 31.6·r); at N = 3072,
  // D = 1 most draws hit the clip, and the KS test must see it.
  auto gen = core::make_generator(5);
  const auto R = physics::sample_radius(torch::ones({kDraws}, torch::kFloat64), 3072, KernelOptions{1.0, true}, gen);
  EXPECT_LT(ks_p_value_of_radius(R, 3072, 1.0, 1.0), 1e-6);
}

TEST(RadiusLaw, PerSampleSigmaScalesTheRadius) {
  auto gen_a = core::make_generator(9), gen_b = core::make_generator(9);
  const auto sigma = torch::tensor({0.5, 3.0, 40.0}, torch::kFloat64);
  const auto R = physics::sample_radius(sigma, 10, KernelOptions{4.0}, gen_a);
  const auto R1 = physics::sample_radius(torch::ones({3}, torch::kFloat64), 10, KernelOptions{4.0}, gen_b);
  EXPECT_TRUE(torch::allclose(R, R1 * sigma, 1e-14, 0));
}

TEST(Direction, UniformOnTheSphere) {
  const int64_t N = 5;
  auto gen = core::make_generator(11);
  const auto n = physics::sample_perturbation(torch::full({kDraws}, 1.3, torch::kFloat64), {N}, KernelOptions{3.0}, gen);
  const auto u = n / n.norm(2, {1}, true);
  // (u_1 + 1)/2 ~ Beta((N−1)/2, (N−1)/2) for a uniform direction on S^(N−1).
  const double a = (N - 1) / 2.0;
  EXPECT_GT(eval::ks_test(to_vector((u.select(1, 0) + 1) / 2), eval::beta_cdf(a, a)).p_value, 0.01);
  EXPECT_GT(eval::ks_test(to_vector((u.select(1, N - 1) + 1) / 2), eval::beta_cdf(a, a)).p_value, 0.01);
  // Mean of a uniform direction is 0 (each coordinate has variance 1/N).
  const double bound = 5 * std::sqrt(1.0 / N / kDraws);
  EXPECT_LT(u.mean(0).abs().max().item<double>(), bound);
  // The radius is independent of the direction: correlation of R with u_1² is ~0.
  const auto R = n.norm(2, {1});
  const auto c = torch::corrcoef(torch::stack({R, u.select(1, 0).pow(2)}));
  EXPECT_LT(std::abs(c[0][1].item<double>()), 5 / std::sqrt(double(kDraws)));
}

TEST(Direction, SkewedDirectionIsRejected) {
  // Negative control for the direction test: a direction biased toward the first axis.
  const int64_t N = 5;
  auto gen = core::make_generator(12);
  auto g = at::randn({kDraws, N}, gen, torch::kFloat64);
  g.select(1, 0).mul_(1.2);
  const auto u = g / g.norm(2, {1}, true);
  const double a = (N - 1) / 2.0;
  EXPECT_LT(eval::ks_test(to_vector((u.select(1, 0) + 1) / 2), eval::beta_cdf(a, a)).p_value, 1e-6);
}

TEST(Prior, RowsDependOnlyOnTheirSeed) {
  for (double D : {1.0, 128.0, physics::kInfiniteD}) {
    const auto batch = physics::sample_pfgmpp_prior({4, 9, 2}, {3, 4}, 80, D);
    const auto single = physics::sample_pfgmpp_prior({2}, {3, 4}, 80, D);
    ASSERT_EQ(batch.sizes(), (std::vector<int64_t>{3, 3, 4}));
    EXPECT_TRUE(torch::equal(batch[2], single[0])) << "D=" << D;
    EXPECT_FALSE(torch::equal(batch[0], batch[1]));
  }
}

TEST(Prior, FollowsTheKernelAtSigmaMax) {
  std::vector<int64_t> seeds(4000);
  for (size_t i = 0; i < seeds.size(); ++i) seeds[i] = static_cast<int64_t>(i);
  const int64_t N = 16;
  const double D = 4, sigma_max = 80;
  const auto x = physics::sample_pfgmpp_prior(seeds, {N}, sigma_max, D);
  EXPECT_GT(ks_p_value_of_radius(x.norm(2, {1}), N, D, sigma_max), 0.01);
}

TEST(PFGMPrior, IsTheD1KernelAtZmax) {
  std::vector<int64_t> seeds(4000);
  for (size_t i = 0; i < seeds.size(); ++i) seeds[i] = static_cast<int64_t>(i) + 100;
  const int64_t N = 8;
  physics::PFGMPriorOptions o;
  o.z_max = 12;
  const auto x = physics::sample_pfgm_prior(seeds, N, o);
  EXPECT_GT(ks_p_value_of_radius(x.norm(2, {1}), N, 1.0, o.z_max), 0.01);
  o.upper_norm = 30;
  const auto clipped = physics::sample_pfgm_prior(seeds, N, o);
  EXPECT_LE(clipped.norm(2, {1}).max().item<double>(), 30 + 1e-9);
  EXPECT_GE(clipped.norm(2, {1}).min().item<double>(), 1 - 1e-9);
}

TEST(AugDim, ParsesRealsAndInfinity) {
  EXPECT_EQ(physics::parse_aug_dim("128"), 128);
  EXPECT_EQ(physics::parse_aug_dim("0.5"), 0.5);
  EXPECT_TRUE(std::isinf(physics::parse_aug_dim("inf")));
  for (const char* bad : {"0", "-3", "abc", "", "12x", "nan"}) {
    try {
      physics::parse_aug_dim(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--aug_dim"), std::string::npos);
    }
  }
  EXPECT_EQ(physics::format_aug_dim(physics::kInfiniteD), "inf");
  EXPECT_EQ(physics::format_aug_dim(0.1), "0.1");
}
