// Tests of the one-sample KS test, the Kolmogorov survival function and the Beta / Beta-prime /
// chi CDFs (small closed forms and large parameters against sampled data).
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/eval/ks_test.h"

using namespace pfgm;

namespace {
std::vector<double> to_vector(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}
const auto uniform_cdf = [](double x) { return std::clamp(x, 0.0, 1.0); };
}  // namespace

TEST(KSTest, KolmogorovSurvivalKnownValues) {
  EXPECT_NEAR(eval::kolmogorov_survival(1.0), 0.26999967, 1e-8);
  EXPECT_NEAR(eval::kolmogorov_survival(1.36), 0.0494, 2e-4);
  EXPECT_NEAR(eval::kolmogorov_survival(0.5), 0.9639452, 1e-6);
  EXPECT_NEAR(eval::kolmogorov_survival(1.6276), 0.0100, 2e-4);
  EXPECT_EQ(eval::kolmogorov_survival(0.0), 1.0);
  EXPECT_LT(eval::kolmogorov_survival(5.0), 1e-20);
  // Both series agree where they meet.
  EXPECT_NEAR(eval::kolmogorov_survival(1.0 - 1e-12), eval::kolmogorov_survival(1.0), 1e-10);
}

TEST(KSTest, UniformSamplesPassAndStatisticMatchesBruteForce) {
  auto gen = core::make_generator(7);
  auto samples = to_vector(at::rand({500}, gen, torch::kFloat64));
  auto r = eval::ks_test(samples, uniform_cdf);
  EXPECT_GT(r.p_value, 0.01);
  // sup_x |F_n(x) - F(x)|: at each sample compare F with the empirical CDF just before and at it.
  double brute = 0.0;
  for (double x : samples) {
    double below = 0, at_or_below = 0;
    for (double y : samples) {
      below += y < x;
      at_or_below += y <= x;
    }
    brute = std::max({brute, std::abs(below / samples.size() - x), std::abs(at_or_below / samples.size() - x)});
  }
  EXPECT_NEAR(r.statistic, brute, 1e-15);
}

TEST(KSTest, ShiftedSamplesFail) {
  auto gen = core::make_generator(8);
  auto samples = to_vector(at::rand({10000}, gen, torch::kFloat64) * 0.9 + 0.1);
  auto r = eval::ks_test(samples, uniform_cdf);
  EXPECT_LT(r.p_value, 1e-6);
  EXPECT_NEAR(r.statistic, 0.1, 0.02);
}

TEST(KSTest, RejectsBadInput) {
  EXPECT_THROW(eval::ks_test({}, uniform_cdf), Error);
  EXPECT_THROW(eval::ks_test({0.5, NAN}, uniform_cdf), Error);
  EXPECT_THROW(eval::beta_cdf(0.0, 1.0), Error);
  EXPECT_THROW(eval::chi_cdf(-1.0), Error);
}

TEST(KSTest, ClosedFormCdfs) {
  EXPECT_NEAR(eval::beta_cdf(2, 3)(0.5), 0.6875, 1e-14);
  EXPECT_EQ(eval::beta_cdf(2, 3)(-1.0), 0.0);
  EXPECT_EQ(eval::beta_cdf(2, 3)(2.0), 1.0);
  for (double x : {0.1, 0.5, 1.0, 2.0, 4.0}) EXPECT_NEAR(eval::chi_cdf(2)(x), 1.0 - std::exp(-x * x / 2), 1e-14);
  // Beta'(1, 1): F(x) = x / (1 + x), on both branches.
  for (double x : {0.3, 1.0, 3.0, 1e6}) EXPECT_NEAR(eval::beta_prime_cdf(1, 1)(x), x / (1 + x), 1e-14);
  for (double x : {0.5, 1.4, 1.5, 2.0})
    EXPECT_NEAR(eval::beta_prime_cdf(1536, 1024)(x), eval::beta_cdf(1536, 1024)(x / (1 + x)), 1e-12);
}

TEST(KSTest, LargeParameterCdfsMatchSamples) {
  auto gen = core::make_generator(9);
  // chi with k = 3072: norms of standard normal vectors.
  auto z = at::randn({1000, 3072}, gen, torch::kFloat64);
  auto chi = eval::ks_test(to_vector(z.norm(2, 1)), eval::chi_cdf(3072));
  EXPECT_GT(chi.p_value, 1e-3);
  // Beta'(a, b) = chi^2_{2a} / chi^2_{2b}, a = 1536, b = 1024.
  auto num = at::randn({1000, 3072}, gen, torch::kFloat64).square().sum(1);
  auto den = at::randn({1000, 2048}, gen, torch::kFloat64).square().sum(1);
  auto bp = eval::ks_test(to_vector(num / den), eval::beta_prime_cdf(1536, 1024));
  EXPECT_GT(bp.p_value, 1e-3);
  auto beta = eval::ks_test(to_vector(num / (num + den)), eval::beta_cdf(1536, 1024));
  EXPECT_GT(beta.p_value, 1e-3);
  // The wrong law is detected.
  EXPECT_LT(eval::ks_test(to_vector(z.norm(2, 1) * 1.01), eval::chi_cdf(3072)).p_value, 1e-6);
}
