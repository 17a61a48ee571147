// Samplers against closed-form denoisers: a point mass (every D) and an anisotropic Gaussian at
// D = ∞, whose probability-flow ODE has the exact solution x(σ) = μ + (x0 − μ)·sqrt((s² + σ²)/(s² + σ0²)).
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/physics/empirical_field.h"
#include "pfgm/physics/prior.h"
#include "pfgm/samplers/euler.h"
#include "pfgm/samplers/heun.h"
#include "pfgm/samplers/pfgm_ode.h"
#include "pfgm/samplers/rk45.h"
#include "pfgm/samplers/sampler.h"
#include "pfgm/samplers/step_schedule.h"

using namespace pfgm;
using namespace pfgm::samplers;

namespace {
struct Gaussian {  // N(μ, diag(s²)); its exact denoiser at D = ∞ is μ + s²/(s² + σ²)·(x − μ)
  torch::Tensor mu, s2;
  Denoiser denoiser() const {
    return [m = mu, v = s2](const torch::Tensor& x, const torch::Tensor& sigma) {
      const auto sig2 = sigma.reshape({-1, 1}).pow(2);
      return m + v / (v + sig2) * (x - m);
    };
  }
  torch::Tensor exact(const torch::Tensor& x0, double sigma0, double sigma) const {
    return mu + (x0 - mu) * torch::sqrt((s2 + sigma * sigma) / (s2 + sigma0 * sigma0));
  }
};

Gaussian anisotropic() {
  return {torch::tensor({0.5, -1.0, 2.0}, torch::kFloat64), torch::tensor({0.09, 1.0, 4.0}, torch::kFloat64)};
}

std::vector<double> linear_steps(double hi, double lo, int n) {
  std::vector<double> t(n + 1);
  for (int i = 0; i <= n; ++i) t[i] = hi + (lo - hi) * i / n;
  return t;
}
}  // namespace

TEST(StepSchedule, MatchesEDMEq5) {
  const auto t = edm_sigma_steps({6, 0.002, 80, 7});
  const std::vector<double> expected{80, 24.408, 5.8389, 0.96541, 0.085087, 0.002, 0};
  ASSERT_EQ(t.size(), expected.size());
  for (size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(t[i], expected[i], 5e-5 * std::max(1.0, expected[i]));
  EXPECT_THROW(edm_sigma_steps({0, 0.002, 80, 7}), Error);
  EXPECT_THROW(edm_sigma_steps({5, 1, 0.5, 7}), Error);
}

TEST(Heun, PointMassIsReachedForEveryD) {
  const auto y0 = torch::tensor({{0.3, -0.7}}, torch::kFloat64);
  Denoiser point = [&](const torch::Tensor& x, const torch::Tensor&) { return y0.expand_as(x); };
  for (double D : {1.0, 4.0, 128.0, physics::kInfiniteD}) {
    const auto latents = physics::sample_pfgmpp_prior({1, 2, 3, 4}, {2}, 80, D);
    const auto t = edm_sigma_steps({18, 0.002, 80, 7});
    const auto x = heun_sampler(point, latents, t);
    EXPECT_LT((x - y0).abs().max().item<double>(), 1e-9) << "D=" << D;
    EXPECT_LT((euler_sampler(point, latents, t) - y0).abs().max().item<double>(), 1e-9) << "D=" << D;
  }
}

TEST(Heun, ConvergesAtSecondOrderAndEulerAtFirst) {
  const auto g = anisotropic();
  auto gen = core::make_generator(8);
  const double hi = 6, lo = 0.3;
  const auto x0 = g.mu + at::randn({16, 3}, gen, torch::kFloat64) * std::sqrt(hi * hi + 1);
  const auto exact = g.exact(x0, hi, lo);
  auto err = [&](bool heun, int n) {
    const auto t = linear_steps(hi, lo, n);
    const auto x = heun ? heun_sampler(g.denoiser(), x0, t) : euler_sampler(g.denoiser(), x0, t);
    return (x - exact).abs().max().item<double>();
  };
  // Heun's final step is Euler (EDM Alg. 2); its local O(h²) error keeps the global order 2.
  const double e1 = err(false, 40), e2 = err(false, 80);
  const double h1 = err(true, 40), h2 = err(true, 80);
  EXPECT_NEAR(e1 / e2, 2.0, 0.25) << e1 << " " << e2;
  EXPECT_NEAR(h1 / h2, 4.0, 0.5) << h1 << " " << h2;
  EXPECT_LT(h2, e2 / 20);
}

TEST(Heun, ChurnNoiseDependsOnlyOnTheSeed) {
  const auto g = anisotropic();
  ChurnOptions churn{40, 0.05, 50, 1.003};
  const auto t = edm_sigma_steps({10, 0.002, 80, 7});
  auto run = [&](const std::vector<int64_t>& seeds) {
    const auto latents = physics::sample_pfgmpp_prior(seeds, {3}, 80, physics::kInfiniteD);
    core::SeedStreams noise(seeds);
    return heun_sampler(g.denoiser(), latents, t, churn, &noise);
  };
  const auto batch = run({10, 11, 12});
  const auto single = run({11});
  EXPECT_LT((batch[1] - single[0]).abs().max().item<double>(), 1e-12);
  // Churn changes the result (it is really applied).
  const auto latents = physics::sample_pfgmpp_prior({11}, {3}, 80, physics::kInfiniteD);
  EXPECT_GT((heun_sampler(g.denoiser(), latents, t) - single).abs().max().item<double>(), 1e-6);
}

TEST(RK45, SolvesTheGaussianFlowAndAdaptsItsNFE) {
  const auto g = anisotropic();
  auto gen = core::make_generator(9);
  const double hi = 20, lo = 0.01;
  const auto x0 = g.mu + at::randn({8, 3}, gen, torch::kFloat64) * hi;
  const auto D = g.denoiser();
  OdeRhs rhs = [&](const torch::Tensor& sigma, const torch::Tensor& x) { return (x - D(x, sigma)) / sigma.reshape({-1, 1}); };
  const auto exact = g.exact(x0, hi, lo);
  int64_t previous_nfe = 0;
  double previous_err = 1e9;
  for (double tol : {1e-3, 1e-6, 1e-9}) {
    const auto r = solve_rk45(rhs, x0, hi, lo, {tol, tol});
    const double e = (r.y - exact).abs().max().item<double>();
    EXPECT_LT(e, 1000 * tol) << "tol=" << tol;
    EXPECT_GT(r.nfe, previous_nfe) << "tol=" << tol;
    EXPECT_LT(e, previous_err);
    previous_nfe = r.nfe;
    previous_err = e;
  }
}

TEST(RK45, EverySampleIntegratesOnItsOwn) {
  const auto g = anisotropic();
  auto gen = core::make_generator(10);
  const auto x0 = g.mu + at::randn({5, 3}, gen, torch::kFloat64) * 10;
  const auto D = g.denoiser();
  OdeRhs rhs = [&](const torch::Tensor& sigma, const torch::Tensor& x) { return (x - D(x, sigma)) / sigma.reshape({-1, 1}); };
  const auto all = solve_rk45(rhs, x0, 10, 0.05, {1e-5, 1e-5});
  for (int64_t b = 0; b < 5; ++b) {
    const auto one = solve_rk45(rhs, x0.narrow(0, b, 1), 10, 0.05, {1e-5, 1e-5});
    EXPECT_LT((one.y[0] - all.y[b]).abs().max().item<double>(), 1e-12);
    EXPECT_EQ(one.nfe_per_sample[0].item<int64_t>(), all.nfe_per_sample[b].item<int64_t>());
  }
}

TEST(PFGMODE, FollowsTheFieldLineOfOneCharge) {
  // For one charge at y the field line is straight: x(z) = y + (x0 − y)·z/z_max.
  const int64_t N = 3;
  const auto y = torch::tensor({{0.2, -0.4, 1.0}}, torch::kFloat64);
  FieldFn field = [&](const torch::Tensor& x, const torch::Tensor& z) {
    return physics::normalize_field(physics::empirical_field(x, z, y), N, 5.0);
  };
  PFGMODEOptions o;
  o.z_max = 40;
  o.z_min = 1e-3;
  const auto x0 = physics::sample_pfgm_prior({1, 2, 3}, N, {o.z_max, std::nullopt});
  const auto expected = y + (x0 - y) * (o.z_min / o.z_max);
  const auto r = pfgm_rk45_sampler(field, x0, o, {1e-6, 1e-6});
  EXPECT_LT((r.y - expected).abs().max().item<double>(), 1e-3);
  EXPECT_GT(r.nfe, 6);
  const auto xe = pfgm_euler_sampler(field, x0, 400, o);
  EXPECT_LT((xe - expected).abs().max().item<double>(), 0.05);
}

namespace {
// The Coulomb field's direction for two charges, pointing at them (strength 1e4 so that the
// reference's 1/(v_z + 1e−5) keeps its sign far out).
FieldFn two_charge_field() {
  const auto Y = torch::tensor({{-1.0, 0.0}, {1.0, 0.5}}, torch::kFloat64);
  return [Y](const torch::Tensor& x, const torch::Tensor& z) {
    double log_scale = 0;
    const auto E = physics::coulomb_field(x, z, Y, &log_scale);
    return -1e4 * E / E.norm(2, {1}, true);
  };
}
}  // namespace

TEST(PFGMODE, ImprovedEulerIsSecondOrder) {
  // Against a tight RK45 solution from z = 4 to 0.5: Euler's error halves with twice the steps,
  // improved Euler's falls about fourfold, and it is far below Euler's at the same step count.
  const auto field = two_charge_field();
  PFGMODEOptions o{4, 0.5, 5, 0};
  const auto x0 = torch::tensor({{0.3, 2.0}, {-2.5, 1.0}, {1.5, -1.5}}, torch::kFloat64);
  const auto exact = pfgm_rk45_sampler(field, x0, o, {1e-10, 1e-10}).y;
  auto err = [&](const torch::Tensor& x) { return (x - exact).abs().max().item<double>(); };
  const double e20 = err(pfgm_euler_sampler(field, x0, 20, o)), e40 = err(pfgm_euler_sampler(field, x0, 40, o));
  const double h20 = err(pfgm_improved_euler_sampler(field, x0, 20, o));
  const double h40 = err(pfgm_improved_euler_sampler(field, x0, 40, o));
  EXPECT_NEAR(e20 / e40, 2.0, 0.5) << e20 << " " << e40;
  EXPECT_GT(h20 / h40, 3.0) << h20 << " " << h40;  // 4 for second order, up to the final Euler step
  EXPECT_LT(h20, e20 / 5);
}

TEST(PFGMODE, ZSubstitutionFollowsTheModelConfig) {
  // A vector PFGM model with z_exp: generate() integrates with the substitution (the same as the
  // Euler sampler given z_exp by hand), and without it the samples differ.
  at::manual_seed(0);
  auto j = nlohmann::json{{"model_type", "ToyMLP"}, {"precond", "pfgm"}, {"N", 3},       {"D", 1},
                          {"z_max", 10},         {"z_min", 1e-2},     {"z_exp", 10}, {"hidden", 16}, {"num_blocks", 1}};
  networks::Model model(networks::ModelConfig::from_json(j));
  ASSERT_EQ(pfgm_ode_options(model.config()).z_exp, 10);
  SamplerOptions s;
  s.solver = Solver::Euler;
  s.schedule.num_steps = 12;
  const std::vector<int64_t> seeds{1, 2, 3};
  const auto got = generate(model, seeds, {3}, s).x;
  const auto x0 = prior_latents(model.config(), seeds, {3}, 0);
  const auto by_hand = pfgm_euler_sampler(field_of(model), x0, 12, {10, 1e-2, 5, 10});
  const auto without = pfgm_euler_sampler(field_of(model), x0, 12, {10, 1e-2, 5, 0});
  EXPECT_LT((got - by_hand).abs().max().item<double>(), 1e-9);
  EXPECT_GT((got - without).abs().max().item<double>(), 1e-3);
}

TEST(NoiseInjection, AddsAlphaTimesTheStepsScaleEachStep) {
  // With D(x; σ) = x the σ-ODE stands still, so Heun's result is x_0 + Σ_i α·t_i·ε_i with ε_i the
  // per-sample streams' draws; likewise PFGM's Euler with a field whose x part is 0 gives
  // x_0 + Σ_i α·z_i·ε_i. Each sample's noise comes from its own seed.
  const auto x0 = torch::tensor({{1.0, -2.0, 0.5}, {0.0, 3.0, -1.0}}, torch::kFloat64);
  const std::vector<double> t{10, 4, 1, 0.2, 0};
  ChurnOptions churn;
  churn.alpha = 0.3;
  core::SeedStreams noise({5, 9});
  const auto got = heun_sampler([](const torch::Tensor& x, const torch::Tensor&) { return x; }, x0, t, churn, &noise);
  core::SeedStreams same({5, 9});
  auto expected = x0.clone();
  for (size_t i = 0; i + 1 < t.size(); ++i) expected = expected + 0.3 * t[i] * same.randn({3}, x0.options());
  EXPECT_LT((got - expected).abs().max().item<double>(), 1e-12);
  // Sample 1 alone gives the same result (its stream is its own).
  core::SeedStreams one({9});
  const auto alone = heun_sampler([](const torch::Tensor& x, const torch::Tensor&) { return x; }, x0.narrow(0, 1, 1), t,
                                  churn, &one);
  EXPECT_LT((alone[0] - got[1]).abs().max().item<double>(), 1e-12);

  FieldFn flat = [](const torch::Tensor& x, const torch::Tensor&) {
    auto v = torch::zeros({x.size(0), x.size(1) + 1}, x.options());
    v.select(1, x.size(1)).fill_(-1);  // v_z < 0, v_x = 0
    return v;
  };
  PFGMODEOptions o{8, 0.5, 5, 0};
  core::SeedStreams zn({5, 9}), zsame({5, 9});
  const auto zgot = pfgm_euler_sampler(flat, x0, 4, o, nullptr, 0.3, &zn);
  auto zexp = x0.clone();
  for (int i = 0; i < 4; ++i) {
    const double z = std::exp(std::log(8.0) + (std::log(0.5) - std::log(8.0)) * i / 4);
    zexp = zexp + 0.3 * z * zsame.randn({3}, x0.options());
  }
  EXPECT_LT((zgot - zexp).abs().max().item<double>(), 1e-12);
}
