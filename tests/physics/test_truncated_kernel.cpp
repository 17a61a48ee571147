// The PFGM++ kernel truncated at a quantile of its radius law (R ≤ k_q·r): k_q against the closed
// form of N = 2, D = 1, the truncated draws against the conditional Beta law (KS, with the exact
// law as a negative control), and the same truncation in the PFGM++ and PFGM priors.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <tuple>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/eval/ks_test.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/physics/perturbation_kernel.h"
#include "pfgm/physics/pfgm_perturbation.h"
#include "pfgm/physics/prior.h"

using namespace pfgm;
using physics::KernelOptions;

namespace {
std::vector<double> to_vector(const torch::Tensor& t) {
  auto c = t.to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// v = 1/(1 + R²/r²) ~ Beta(D/2, N/2); R ≤ k_q·r is v ≥ v_q = 1/(1 + k_q²), an event of probability q.
double ks_p_value_truncated(const torch::Tensor& ratio, int64_t N, double D, double q) {
  const double k_q = physics::radius_ratio_quantile(N, D, q);
  const double v_q = 1 / (1 + k_q * k_q);
  const auto F = eval::beta_cdf(D / 2, N / 2.0);
  const double F_q = F(v_q);
  const auto v = 1 / (1 + ratio.pow(2));
  return eval::ks_test(to_vector(v), [&](double x) { return x <= v_q ? 0.0 : (F(x) - F_q) / (1 - F_q); }).p_value;
}

std::vector<int64_t> seed_range(int64_t n, int64_t first) {
  std::vector<int64_t> s(n);
  for (int64_t i = 0; i < n; ++i) s[i] = first + i;
  return s;
}
}  // namespace

TEST(RadiusRatioQuantile, ClosedFormForN2D1) {
  // N = 2, D = 1: P(R/r > k) = (1 + k²)^(−1/2), so k_q = sqrt(1/(1 − q)² − 1).
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double expected = std::sqrt(1 / ((1 - q) * (1 - q)) - 1);
    EXPECT_NEAR(physics::radius_ratio_quantile(2, 1, q), expected, 1e-9 * expected) << "q=" << q;
  }
  EXPECT_TRUE(std::isinf(physics::radius_ratio_quantile(2, 1, 1)));
  EXPECT_TRUE(std::isinf(physics::radius_ratio_quantile(2, physics::kInfiniteD, 0.9)));
  for (double bad : {0.0, -0.5, 1.5}) {
    try {
      physics::radius_ratio_quantile(2, 1, bad);
      ADD_FAILURE() << "accepted q=" << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("radius_quantile"), std::string::npos) << e.what();
    }
  }
}

class TruncatedRadiusLaw : public ::testing::TestWithParam<std::tuple<int64_t, double, double>> {};

TEST_P(TruncatedRadiusLaw, FollowsTheConditionalBetaPrime) {
  const auto [N, D, q] = GetParam();
  auto gen = core::make_generator(4000 + N + static_cast<uint64_t>(100 * q));
  const double sigma = 0.3;
  const auto R = physics::sample_radius(torch::full({20000}, sigma, torch::kFloat64), N, KernelOptions{D, false, q}, gen);
  const auto ratio = R / (sigma * std::sqrt(D));
  EXPECT_LE(ratio.max().item<double>(), physics::radius_ratio_quantile(N, D, q));
  EXPECT_GT(ks_p_value_truncated(ratio, N, D, q), 0.01) << "N=" << N << " D=" << D << " q=" << q;
  // The exact law fails the same test once its excess mass (1 − q) is visible to KS at this size.
  if (q > 0.95) return;
  const auto R_exact = physics::sample_radius(torch::full({20000}, sigma, torch::kFloat64), N, KernelOptions{D}, gen);
  EXPECT_LT(ks_p_value_truncated(R_exact / (sigma * std::sqrt(D)), N, D, q), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Grid, TruncatedRadiusLaw,
                         ::testing::Values(std::make_tuple(int64_t{2}, 1.0, 0.99), std::make_tuple(int64_t{2}, 1.0, 0.9),
                                           std::make_tuple(int64_t{16}, 4.0, 0.9),
                                           std::make_tuple(int64_t{784}, 2.0, 0.95)));

TEST(TruncatedKernel, ExcludesTheOfficialClip) {
  auto gen = core::make_generator(3);
  EXPECT_THROW(physics::sample_radius(torch::ones({4}, torch::kFloat64), 2, KernelOptions{1.0, true, 0.99}, gen), Error);
}

TEST(TruncatedPrior, StaysInsideTheTruncationRadiusPerSeed) {
  const auto seeds = seed_range(3000, 10);
  const double sigma_max = 20, q = 0.99;
  const auto x = physics::sample_pfgmpp_prior(seeds, {2}, sigma_max, 1.0, q);
  const auto ratio = x.norm(2, {1}) / sigma_max;
  EXPECT_LE(ratio.max().item<double>(), physics::radius_ratio_quantile(2, 1, q));
  EXPECT_GT(ks_p_value_truncated(ratio, 2, 1, q), 0.01);
  // Redraws stay inside each seed's stream: rows do not depend on the batch.
  const auto single = physics::sample_pfgmpp_prior({seeds[1234]}, {2}, sigma_max, 1.0, q);
  EXPECT_TRUE(torch::equal(x[1234], single[0]));
  // q = 1 is the exact prior, draw for draw.
  EXPECT_TRUE(torch::equal(physics::sample_pfgmpp_prior(seeds, {2}, sigma_max, 1.0, 1.0),
                           physics::sample_pfgmpp_prior(seeds, {2}, sigma_max, 1.0)));
}

TEST(TruncatedPrior, PFGMHyperplaneLawIsTruncatedWithoutClipMass) {
  physics::PFGMPriorOptions o;
  o.z_max = 6;
  o.radius_quantile = 0.9;
  const auto R = physics::sample_pfgm_prior(seed_range(3000, 7), 2, o).norm(2, {1});
  const double k_q = physics::radius_ratio_quantile(2, 1, 0.9);  // ≈ 9.95
  EXPECT_LE(R.max().item<double>(), k_q * o.z_max);
  // No mass piles up at the truncation radius, unlike the official clip.
  EXPECT_LT((R > 0.99 * k_q * o.z_max).to(torch::kFloat64).mean().item<double>(), 0.005);
  EXPECT_GT(ks_p_value_truncated(R / o.z_max, 2, 1, 0.9), 0.01);
}
TEST(PFGMPerturbation, MReachesTheRadius) {
  const double sigma = 0.01, tau = 0.03;
  for (double rho : {1.0, 37.0, 620.0}) {
    for (int64_t N : {2, 3072}) {
      const double M = physics::pfgm_M_reaching(rho, N, sigma, tau);
      const double reach = sigma * std::sqrt(N + 1.0);
      EXPECT_GE(reach * std::pow(1 + tau, M), rho * (1 - 1e-12)) << "rho=" << rho << " N=" << N;
      if (M > 1) EXPECT_LT(reach * std::pow(1 + tau, M - 1), rho) << "rho=" << rho << " N=" << N;
    }
  }
  EXPECT_THROW(physics::pfgm_M_reaching(0, 2), Error);
}
