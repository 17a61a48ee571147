// The prior log-densities against laws known independently (Boost.Math): N = 1 is Student's t with
// ν = D and scale σ (Cauchy for D = 1); N = 2 integrates to one; at large N, R²/r² follows
// BetaPrime(N/2, D/2) (via Beta(N/2, D/2) of R²/(R² + r²)); D = ∞ is the Gaussian; PFGM's
// hyperplane law is the hemisphere's, normalised with the sphere of R^(N+1).
#include <gtest/gtest.h>
#include <torch/types.h>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/cauchy.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/quadrature/exp_sinh.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>

#include "pfgm/core/error.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/physics/perturbation_kernel.h"
#include "pfgm/physics/prior_density.h"

using namespace pfgm;

namespace {
double log_p(double x1, double sigma, double D) {
  return physics::pfgmpp_prior_log_density(torch::full({1, 1}, x1, torch::kFloat64), sigma, D).item<double>();
}
}  // namespace

TEST(PriorDensity, OneDimensionIsStudentsT) {
  const boost::math::cauchy_distribution<double> cauchy(0, 3.0);  // D = 1, r = σ
  for (double x : {0.0, 0.4, -2.5, 30.0, 1e3}) EXPECT_NEAR(log_p(x, 3.0, 1.0), std::log(boost::math::pdf(cauchy, x)), 1e-12) << x;
  for (double D : {0.5, 3.0, 17.5, 400.0}) {
    const boost::math::students_t_distribution<double> t(D);
    const double sigma = 1.7;
    for (double x : {0.0, 0.3, -4.0, 25.0})
      EXPECT_NEAR(log_p(x, sigma, D), std::log(boost::math::pdf(t, x / sigma) / sigma), 1e-10) << "D=" << D << " x=" << x;
  }
}

TEST(PriorDensity, TwoDimensionsIntegrateToOne) {
  boost::math::quadrature::exp_sinh<double> integrator;
  for (double D : {0.7, 1.0, 4.0, 128.0, physics::kInfiniteD}) {
    // ∫ p d²x = ∫₀^∞ 2πR·p(R) dR (the density depends on ‖x‖ only).
    auto f = [D](double R) {
      const auto x = torch::tensor({{R * 0.6, R * 0.8}}, torch::kFloat64);
      return 2 * M_PI * R * std::exp(physics::pfgmpp_prior_log_density(x, 2.5, D).item<double>());
    };
    EXPECT_NEAR(integrator.integrate(f, 1e-12), 1.0, 1e-8) << "D=" << D;
  }
}

TEST(PriorDensity, RadiusFollowsTheBetaPrimeLawAtLargeN) {
  // x [B, 3, 32, 32]: N = 3072. With t = R²/r² and b = t/(1 + t) ~ Beta(N/2, D/2), the density of
  // t is f_b(b)/(1 + t)², and p(x) = f_t(t) / (|S^(N−1)|·R^(N−2)·r²/2).
  const int64_t N = 3 * 32 * 32;
  at::manual_seed(0);
  for (double D : {1.0, 128.0, 2048.0}) {
    const double sigma = 80, r = sigma * std::sqrt(D);
    const boost::math::beta_distribution<double> beta(0.5 * N, 0.5 * D);
    const double log_sphere = std::log(2.0) + 0.5 * N * std::log(M_PI) - std::lgamma(0.5 * N);
    for (double q : {0.05, 0.5, 0.95}) {
      const double b = boost::math::quantile(beta, q), t = b / (1 - b), R = r * std::sqrt(t);
      auto x = torch::randn({1, 3, 32, 32}, torch::kFloat64);
      x = x / x.norm() * R;
      const double expected = std::log(boost::math::pdf(beta, b)) - 2 * std::log1p(t) - log_sphere -
                              (N - 2) * std::log(R) - 2 * std::log(r) + std::log(2.0);
      EXPECT_NEAR(physics::pfgmpp_prior_log_density(x, sigma, D).item<double>(), expected, 1e-7 * std::abs(expected))
          << "D=" << D << " q=" << q;
    }
  }
}

TEST(PriorDensity, InfiniteDIsTheGaussianAndTheLimitOfLargeD) {
  const auto x = torch::tensor({{0.3, -1.2, 2.0}, {5.0, 0.0, -0.1}}, torch::kFloat64);
  const auto lp = physics::pfgmpp_prior_log_density(x, 1.5, physics::kInfiniteD);
  const boost::math::normal_distribution<double> normal(0, 1.5);
  for (int64_t b = 0; b < 2; ++b) {
    double expected = 0;
    for (int64_t i = 0; i < 3; ++i) expected += std::log(boost::math::pdf(normal, x[b][i].item<double>()));
    EXPECT_NEAR(lp[b].item<double>(), expected, 1e-12);
    // D = 1e8: the kernel's deviation from the Gaussian is O(1/D).
    EXPECT_NEAR(physics::pfgmpp_prior_log_density(x, 1.5, 1e8)[b].item<double>(), expected, 1e-6);
  }
}

TEST(PriorDensity, PFGMHyperplaneIsTheHemisphereLaw) {
  // Uniform on the hemisphere of radius ρ → ∞ projected by the field lines onto z = z_max:
  // p(x) = 2 z_max / |S^N| · (‖x‖² + z_max²)^(−(N+1)/2), |S^N| = 2π^((N+1)/2)/Γ((N+1)/2), any N.
  at::manual_seed(1);
  for (int64_t N : {1, 2, 3, 7, 3072}) {
    const double z_max = 40;
    auto x = torch::randn({3, N}, torch::kFloat64) * 30;
    const auto sq = x.pow(2).sum(1);
    const double log_area = std::log(2.0) + 0.5 * (N + 1) * std::log(M_PI) - std::lgamma(0.5 * (N + 1));
    const auto expected = std::log(2 * z_max) - log_area - 0.5 * (N + 1) * torch::log(sq + z_max * z_max);
    const auto got = physics::pfgm_prior_log_density(x, z_max);
    EXPECT_LT((got - expected).abs().max().item<double>(), 1e-9 * (1 + expected.abs().max().item<double>())) << N;
    if (N == 3072) {
      // The reference's sphere of R^N instead of R^(N+1) costs it ½·ln(N/2π) ≈ 3.09 nats (spec 7.7).
      const double log_area_ref = std::log(2.0) + 0.5 * N * std::log(M_PI) - std::lgamma(0.5 * N);
      EXPECT_NEAR(log_area - log_area_ref, -0.5 * std::log(N / (2 * M_PI)), 1e-3);
    }
  }
}

TEST(PriorDensity, BadArgumentsThrow) {
  const auto x = torch::zeros({2, 3}, torch::kFloat64);
  EXPECT_THROW(physics::pfgmpp_prior_log_density(x, 0, 4), Error);
  EXPECT_THROW(physics::pfgmpp_prior_log_density(x, 1, -1), Error);
  EXPECT_THROW(physics::pfgm_prior_log_density(x, -2), Error);
  EXPECT_THROW(physics::pfgmpp_prior_log_density(torch::zeros({3}, torch::kFloat64), 1, 4), Error);
}

TEST(PriorDensity, TruncatedLawIntegratesToOneInsideItsRadius) {
  // q = 0.9 at N = 2: the density is p/q up to R = k_q·r and 0 beyond; its integral is 1.
  boost::math::quadrature::gauss_kronrod<double, 61> integrator;
  for (double D : {1.0, 4.0}) {
    const double sigma = 2.5, r = sigma * std::sqrt(D), k = physics::radius_ratio_quantile(2, D, 0.9);
    auto f = [&](double R) {
      const auto x = torch::tensor({{R * 0.6, R * 0.8}}, torch::kFloat64);
      return 2 * M_PI * R * std::exp(physics::pfgmpp_prior_log_density(x, sigma, D, 0.9).item<double>());
    };
    EXPECT_NEAR(integrator.integrate(f, 0.0, k * r, 15, 1e-12), 1.0, 1e-7) << "D=" << D;
    const auto far = torch::tensor({{0.0, 1.01 * k * r}}, torch::kFloat64);
    EXPECT_TRUE(std::isinf(physics::pfgmpp_prior_log_density(far, sigma, D, 0.9).item<double>()));
  }
}
