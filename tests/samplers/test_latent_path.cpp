// Latent paths in the prior's geometry: the radius law against the reference CDFs and the prior
// sampler (KS), its quantiles and tails, quantile interpolation of radii, slerp, paths and temperature.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/eval/ks_test.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/physics/prior.h"
#include "pfgm/samplers/latent_path.h"

using namespace pfgm;
using namespace pfgm::samplers;

namespace {
constexpr double kInf = physics::kInfiniteD;

std::vector<int64_t> range(int64_t n) {
  std::vector<int64_t> s(n);
  for (int64_t i = 0; i < n; ++i) s[i] = i;
  return s;
}

std::vector<double> norms(const torch::Tensor& x) {
  const auto n = x.reshape({x.size(0), -1}).norm(2, {1}).contiguous();
  return {n.data_ptr<double>(), n.data_ptr<double>() + n.numel()};
}

double rel(double a, double b) { return std::abs(a - b) / std::abs(b); }
}  // namespace

TEST(PriorRadiusLaw, MatchesTheReferenceCDFs) {
  // R²/r² ~ BetaPrime(N/2, D/2) with r = σ_max√D; D = ∞: R/σ_max ~ χ_N.
  for (auto [N, D] : {std::pair<int64_t, double>{2, 1}, {3, 4}, {1024, 128}, {3072, 2048}}) {
    const RadiusLaw law{N, D, 80};
    const double r = 80 * std::sqrt(D);
    const auto ref = eval::beta_prime_cdf(0.5 * N, 0.5 * D);
    for (double p : {0.01, 0.3, 0.5, 0.9, 0.999}) {
      const double R = law.quantile(p);
      EXPECT_NEAR(law.cdf(R), p, 1e-10) << N << " " << D;
      EXPECT_NEAR(ref(R * R / (r * r)), p, 1e-9) << N << " " << D;
      EXPECT_NEAR(law.sf(R), 1 - p, 1e-10);
    }
  }
  const RadiusLaw gauss{1024, kInf, 80};
  const auto chi = eval::chi_cdf(1024);
  for (double p : {0.01, 0.5, 0.99}) {
    const double R = gauss.quantile(p);
    EXPECT_NEAR(chi(R / 80), p, 1e-10);
    EXPECT_NEAR(gauss.cdf(R), p, 1e-10);
  }
  EXPECT_NEAR(gauss.quantile(0.5) / 80, std::sqrt(1024.0), 1.0);  // ‖ε‖ ≈ √N
}

TEST(PriorRadiusLaw, TailsKeepTheirPrecision) {
  // Far in the upper tail 1 − F is below double's resolution of 1; sf and quantile_sf still invert.
  for (double D : {4.0, 128.0, kInf}) {
    const RadiusLaw law{64, D, 1};
    for (double q : {1e-20, 1e-60}) {
      const double R = law.quantile_sf(q);
      EXPECT_EQ(law.cdf(R), 1.0);
      EXPECT_LT(rel(law.sf(R), q), 1e-8) << "D=" << D << " q=" << q;
    }
    for (double p : {1e-30, 1e-100}) EXPECT_LT(rel(law.cdf(law.quantile(p)), p), 1e-8) << "D=" << D;
    EXPECT_EQ(law.quantile(0), 0);
    EXPECT_TRUE(std::isinf(law.quantile(1)));
    EXPECT_THROW(law.quantile(1.5), Error);
  }
  EXPECT_THROW((RadiusLaw{0, 4, 1}.cdf(1)), Error);
}

TEST(PriorRadiusLaw, IsTheLawOfThePriorSamplers) {
  const auto seeds = range(600);
  for (double D : {2.0, 16.0, kInf}) {
    const auto x = physics::sample_pfgmpp_prior(seeds, {4, 4}, 5, D);
    const RadiusLaw law{16, D, 5};
    EXPECT_GT(eval::ks_test(norms(x), [&](double R) { return law.cdf(R); }).p_value, 1e-3) << "D=" << D;
    EXPECT_LT(eval::ks_test(norms(x), [&](double R) { return RadiusLaw{16, D, 7.5}.cdf(R); }).p_value, 1e-3) << "D=" << D;
  }
  // PFGM: the z = z_max hyperplane's law is the D = 1 kernel at r = z_max.
  networks::ModelConfig pfgm;
  pfgm.precond = networks::Precond::PFGM;
  pfgm.N = 8;
  pfgm.z_max = 3;
  const auto law = prior_radius_law(pfgm, 80);
  EXPECT_EQ(law.D, 1.0);
  EXPECT_EQ(law.sigma_max, 3.0);
  const auto x = physics::sample_pfgm_prior(seeds, 8, {3, std::nullopt});
  EXPECT_GT(eval::ks_test(norms(x), [&](double R) { return law.cdf(R); }).p_value, 1e-3);
}

TEST(LatentPath, QuantileInterpolationOfRadii) {
  const RadiusLaw law{1024, 128, 80};
  const double R0 = law.quantile(0.1), R1 = law.quantile(0.7);
  EXPECT_EQ(interpolate_radius(law, R0, R1, 0), R0);
  EXPECT_EQ(interpolate_radius(law, R0, R1, 1), R1);
  double previous = R0;
  for (double t : {0.25, 0.5, 0.75}) {
    const double R = interpolate_radius(law, R0, R1, t);
    EXPECT_NEAR(law.cdf(R), 0.1 + 0.6 * t, 1e-10) << t;  // linear in probability
    EXPECT_GT(R, previous);
    previous = R;
  }
  // Equal radii stay put, anywhere in the law, tails included.
  for (double R : {law.quantile(1e-12), law.quantile(0.5), law.quantile_sf(1e-40)})
    for (double t : {0.3, 0.5}) EXPECT_LT(rel(interpolate_radius(law, R, R, t), R), 1e-9) << R;
  // Both in the upper tail: interpolated in 1 − F.
  const double T0 = law.quantile_sf(1e-30), T1 = law.quantile_sf(1e-20);
  EXPECT_LT(rel(law.sf(interpolate_radius(law, T0, T1, 0.5)), 0.5 * (1e-30 + 1e-20)), 1e-8);
  // Radii beyond the law's range (levels underflow) fall back to linear interpolation in R.
  EXPECT_DOUBLE_EQ(interpolate_radius(law, 1e6, 3e6, 0.5), 2e6);
  EXPECT_THROW(interpolate_radius(law, R0, R1, 1.5), Error);
  EXPECT_THROW(interpolate_radius(law, 0, R1, 0.5), Error);
}

TEST(LatentPath, SlerpFollowsTheGreatCircle) {
  const auto e1 = torch::tensor({{1.0, 0.0, 0.0}}, torch::kFloat64), e2 = torch::tensor({{0.0, 3.0, 0.0}}, torch::kFloat64);
  const auto mid = slerp(e1, e2, 0.5);
  EXPECT_LT((mid - torch::tensor({{1.0, 1.0, 0.0}}, torch::kFloat64) / std::sqrt(2.0)).abs().max().item<double>(), 1e-15);
  auto gen = core::make_generator(3);
  const auto a = at::randn({5, 64}, gen, torch::kFloat64), b = at::randn({5, 64}, gen, torch::kFloat64);
  const auto ua = a / a.norm(2, {1}, true), ub = b / b.norm(2, {1}, true);
  const auto omega = torch::acos((ua * ub).sum(1));
  for (double t : {0.0, 0.2, 0.5, 0.9, 1.0}) {
    const auto u = slerp(a, b, t);
    EXPECT_LT((u.norm(2, {1}) - 1).abs().max().item<double>(), 1e-14) << t;
    // The angle to the start grows linearly, t·Ω, and the rest is (1 − t)·Ω.
    EXPECT_LT((torch::acos((u * ua).sum(1).clamp(-1, 1)) - t * omega).abs().max().item<double>(), 1e-7) << t;
    EXPECT_LT((torch::acos((u * ub).sum(1).clamp(-1, 1)) - (1 - t) * omega).abs().max().item<double>(), 1e-7) << t;
  }
  // Nearly parallel directions: no 0/0.
  const auto c = ua + 1e-14 * ub;
  EXPECT_TRUE(torch::isfinite(slerp(ua, c, 0.5)).all().item<bool>());
  EXPECT_LT((slerp(ua, c, 0.5) - ua).abs().max().item<double>(), 1e-12);
  EXPECT_THROW(slerp(torch::zeros({1, 3}, torch::kFloat64), e1, 0.5), Error);
}

TEST(LatentPath, PathStaysOnTheRadiusInterpolation) {
  const RadiusLaw law{48, 8, 2};
  const auto x = physics::sample_pfgmpp_prior({4, 9}, {3, 4, 4}, 2, 8);
  const auto path = latent_path(law, x[0], x[1], 6);
  ASSERT_EQ(path.sizes(), (std::vector<int64_t>{6, 3, 4, 4}));
  EXPECT_TRUE(torch::equal(path[0], x[0]));  // the ends exactly
  EXPECT_TRUE(torch::equal(path[5], x[1]));
  const double R0 = x[0].norm().item<double>(), R1 = x[1].norm().item<double>();
  for (int64_t k = 0; k < 6; ++k) {
    const double t = k / 5.0;
    EXPECT_LT(rel(path[k].norm().item<double>(), interpolate_radius(law, R0, R1, t)), 1e-12) << k;
    const auto u = slerp(x.narrow(0, 0, 1), x.narrow(0, 1, 1), t)[0];
    EXPECT_LT((path[k] / path[k].norm() - u).abs().max().item<double>(), 1e-12) << k;
  }
  // Close to the ends the path is close to them (continuity, not only the short cut at t = 0, 1).
  const auto near = interpolate_latents(law, x.narrow(0, 0, 1), x.narrow(0, 1, 1), 1e-9);
  EXPECT_LT((near[0] - x[0]).abs().max().item<double>(), 1e-6);
  EXPECT_THROW(latent_path(law, x[0], x[1], 1), Error);
  EXPECT_THROW(interpolate_latents(law, x, x.narrow(0, 0, 1), 0.5), Error);
}

TEST(LatentPath, TemperatureScalesTheLatent) {
  const auto x = physics::sample_pfgmpp_prior({1, 2}, {8}, 3, 16);
  EXPECT_TRUE(torch::equal(apply_temperature(x, 1), x));
  EXPECT_TRUE(torch::allclose(apply_temperature(x, 0.5).norm(2, {1}), 0.5 * x.norm(2, {1})));
  EXPECT_THROW(apply_temperature(x, 0), Error);
  EXPECT_THROW(apply_temperature(x, -1), Error);
}
