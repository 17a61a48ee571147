// The encoder (data → latent along the probability-flow ODE) against closed forms: a Gaussian with
// a non-diagonal covariance at D = ∞, whose flow is linear, x(σ) = (Σ + σ²I)^{1/2}(Σ + σ0²I)^{−1/2}x(σ0);
// the exact finite-D denoiser of a point set; the straight field line of one charge (PFGM). And the
// model-level encode/decode pair on a small network: decode inverts encode, generate = decode(prior).
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/eval/ks_test.h"
#include "pfgm/networks/model.h"
#include "pfgm/physics/augmented_space.h"
#include "pfgm/physics/empirical_field.h"
#include "pfgm/physics/perturbation_kernel.h"
#include "pfgm/samplers/encoder.h"
#include "pfgm/samplers/heun.h"
#include "pfgm/samplers/latent_path.h"
#include "pfgm/samplers/sampler.h"

using namespace pfgm;
using namespace pfgm::samplers;

namespace {

// N(0, Σ) with Σ = Q diag(λ) Qᵀ; at D = ∞ the exact denoiser is D(x; σ) = Σ(Σ + σ²I)⁻¹x.
struct Gaussian {
  torch::Tensor Q, lambda;  // [N, N], [N]

  static Gaussian make(int64_t N, uint64_t seed) {
    auto gen = core::make_generator(seed);
    const auto A = at::randn({N, N}, gen, torch::kFloat64);
    const auto S = torch::mm(A, A.t()) / N + 0.2 * torch::eye(N, torch::kFloat64);
    auto [lambda, Q] = torch::linalg_eigh(S);
    return {Q, lambda};
  }
  torch::Tensor sigma() const { return torch::mm(Q * lambda, Q.t()); }
  // x [B, N] ↦ Q diag(f) Qᵀ x per row, f [B, N] or [N].
  torch::Tensor apply(const torch::Tensor& x, const torch::Tensor& f) const { return torch::mm(torch::mm(x, Q) * f, Q.t()); }
  Denoiser denoiser() const {
    return [*this](const torch::Tensor& x, const torch::Tensor& sigma) {
      const auto s2 = sigma.reshape({-1, 1}).pow(2);
      return apply(x, lambda / (lambda + s2));
    };
  }
  torch::Tensor flow(const torch::Tensor& x, double sigma0, double sigma1) const {
    return apply(x, torch::sqrt((lambda + sigma1 * sigma1) / (lambda + sigma0 * sigma0)));
  }
};

// The posterior mean of a point set under the PFGM++ kernel (as in test_exact_denoiser.cpp).
Denoiser point_set_denoiser(const torch::Tensor& Y, double D) {
  return [Y, D](const torch::Tensor& x, const torch::Tensor& sigma_t) {
    const auto sigma = sigma_t.reshape({-1, 1});
    const double N = static_cast<double>(Y.size(1));
    const auto d2 = at::cdist(x, Y, 2.0, 2).pow(2);
    const auto log_w = -0.5 * (N + D) * torch::log(d2 + sigma.pow(2) * D);
    return torch::mm(torch::softmax(log_w, 1), Y);
  };
}

SamplerOptions options(Solver solver, int steps, double sigma_min, double sigma_max, double tol = 1e-4) {
  SamplerOptions o;
  o.solver = solver;
  o.schedule = {steps, sigma_min, sigma_max, 7};
  o.rk45 = {tol, tol};
  return o;
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }


std::vector<int64_t> range(int64_t n) {
  std::vector<int64_t> s(n);
  for (int64_t i = 0; i < n; ++i) s[i] = i;
  return s;
}

}  // namespace

TEST(Encoder, ScheduleIsGenerationsGridReversed) {
  const StepSchedule s{6, 0.002, 80, 7};
  const auto up = encoder_sigma_steps(s), down = edm_sigma_steps(s);
  ASSERT_EQ(up.size(), 6u);
  for (size_t i = 0; i < up.size(); ++i) EXPECT_EQ(up[i], down[up.size() - 1 - i]);
  EXPECT_NEAR(up.front(), 0.002, 1e-12);
  EXPECT_NEAR(up.back(), 80, 1e-9);
  EXPECT_THROW(encoder_sigma_steps({1, 0.002, 80, 7}), Error);
}

TEST(Encoder, GaussianFlowMatchesTheClosedForm) {
  const auto g = Gaussian::make(4, 1);
  auto gen = core::make_generator(2);
  const auto x = at::randn({16, 4}, gen, torch::kFloat64) * 1.5;
  const double lo = 0.002, hi = 80;
  const auto exact = g.flow(x, lo, hi);
  // RK45 at tight tolerance: the state at σ_max to ~1e-9 of its scale. Integrating the wrong way,
  // to the wrong end or with Σ's coupling dropped misses by O(σ_max).
  const auto rk = encode_sigma_ode(g.denoiser(), x, options(Solver::RK45, 18, lo, hi, 1e-10));
  EXPECT_LT(max_abs(rk.latents - exact), 1e-6) << max_abs(rk.latents - exact);
  EXPECT_GT(rk.nfe, 20);
  // The flow of Σ's diagonal alone (no coupling) is far off, so the bound above sees the coupling.
  const auto d = torch::diagonal(g.sigma());
  EXPECT_GT(max_abs(x * torch::sqrt((d + hi * hi) / (d + lo * lo)) - exact), 1e-2);
  // Heun is second order (error ratio 4 when the number of intervals doubles), Euler first order.
  auto error = [&](Solver s, int steps) {
    const auto e = encode_sigma_ode(g.denoiser(), x, options(s, steps, lo, hi));
    EXPECT_EQ(e.nfe, (s == Solver::Heun ? 2 : 1) * (steps - 1));
    return max_abs(e.latents - exact);
  };
  const double h1 = error(Solver::Heun, 33), h2 = error(Solver::Heun, 65), h3 = error(Solver::Heun, 129);
  EXPECT_NEAR(h1 / h2, 4.0, 0.6) << h1 << " " << h2;
  EXPECT_NEAR(h2 / h3, 4.0, 0.4) << h2 << " " << h3;
  const double e1 = error(Solver::Euler, 65), e2 = error(Solver::Euler, 129);
  EXPECT_NEAR(e1 / e2, 2.0, 0.3) << e1 << " " << e2;
  EXPECT_LT(h3 / max_abs(exact), 1e-2);
}

TEST(Encoder, GaussianRoundTripThroughGenerationsPath) {
  const auto g = Gaussian::make(4, 3);
  auto gen = core::make_generator(4);
  const auto x = at::randn({12, 4}, gen, torch::kFloat64);
  const double lo = 0.002, hi = 80;
  // Generation ends with EDM's Euler step to σ = 0, x ← D(x; σ_min): the exact map back is
  // x ↦ D(x; σ_min) = Σ(Σ + σ_min²I)⁻¹x, within ~σ_min²/λ_min of x.
  const auto target = g.denoiser()(x, torch::scalar_tensor(lo, torch::kFloat64));
  EXPECT_LT(max_abs(target - x), 1e-4);
  // RK45 both ways (the decode of sampler.cpp): σ_min → σ_max → σ_min, then the final step.
  const auto D = g.denoiser();
  OdeRhs rhs = [&](const torch::Tensor& s, const torch::Tensor& y) { return (y - D(y, s)) / s.reshape({-1, 1}); };
  const auto latents = encode_sigma_ode(D, x, options(Solver::RK45, 18, lo, hi, 1e-10)).latents;
  const auto back = solve_rk45(rhs, latents, hi, lo, {1e-10, 1e-10}).y;
  EXPECT_LT(max_abs(back - x), 1e-8) << max_abs(back - x);
  EXPECT_LT(max_abs(D(back, torch::scalar_tensor(lo, torch::kFloat64)) - target), 1e-8);
  // Heun both ways on the same ρ-grid: the round-trip error falls at second order.
  auto round_trip = [&](int steps) {
    const auto z = encode_sigma_ode(D, x, options(Solver::Heun, steps, lo, hi)).latents;
    return max_abs(heun_sampler(D, z, edm_sigma_steps({steps, lo, hi, 7})) - target);
  };
  const double r1 = round_trip(17), r2 = round_trip(33), r3 = round_trip(65);
  EXPECT_GT(r1 / r2, 3.0) << r1 << " " << r2;
  EXPECT_GT(r2 / r3, 3.0) << r2 << " " << r3;
  EXPECT_LT(r3, 1e-3);
}

TEST(Encoder, GaussianDataReachTheExactLawAtSigmaMax) {
  // States drawn from the exact marginal at σ_min, N(0, Σ + σ_min²I), are carried to
  // N(0, Σ + σ_max²I): whitened they are N(0, I) coordinate by coordinate, and their squared norm
  // is χ²_N. σ_max = 1.5 keeps Σ visible in the law, so a wrong flow fails.
  const int64_t N = 4, B = 400;
  const auto g = Gaussian::make(N, 5);
  const double lo = 0.002, hi = 1.5;
  auto gen = core::make_generator(6);
  const auto x = g.apply(at::randn({B, N}, gen, torch::kFloat64), torch::sqrt(g.lambda + lo * lo));
  const auto e = encode_sigma_ode(g.denoiser(), x, options(Solver::RK45, 18, lo, hi, 1e-6));
  const auto w = g.apply(e.latents, 1 / torch::sqrt(g.lambda + hi * hi));
  auto normal_cdf = [](double v) { return 0.5 * std::erfc(-v / std::sqrt(2.0)); };
  for (int64_t k = 0; k < N; ++k) {
    const auto col = w.select(1, k).contiguous();
    std::vector<double> v(col.data_ptr<double>(), col.data_ptr<double>() + B);
    EXPECT_GT(eval::ks_test(v, normal_cdf).p_value, 1e-3) << "coordinate " << k;
  }
  const auto n2 = w.pow(2).sum(1).sqrt().contiguous();
  EXPECT_GT(eval::ks_test(std::vector<double>(n2.data_ptr<double>(), n2.data_ptr<double>() + B), eval::chi_cdf(N)).p_value,
            1e-3);
  // Not whitened with Σ: the plain σ_max-ball law is rejected, so the test can fail.
  const auto plain = (e.latents / hi).pow(2).sum(1).sqrt().contiguous();
  EXPECT_LT(eval::ks_test(std::vector<double>(plain.data_ptr<double>(), plain.data_ptr<double>() + B), eval::chi_cdf(N)).p_value,
            1e-3);
}

TEST(Encoder, PointSetFiniteDRoundTripAndPriorLaw) {
  const double D = 4, lo = 0.002, hi = 20;
  auto gen = core::make_generator(7);
  const auto Y = at::randn({16, 2}, gen, torch::kFloat64);
  const auto den = point_set_denoiser(Y, D);
  // States at σ_min: the data points plus draws of the kernel at σ_min (the exact marginal there).
  const int64_t B = 300;
  const auto idx = at::randint(16, {B}, gen, torch::kInt64);
  const auto x = Y.index_select(0, idx) +
                 physics::sample_perturbation(torch::full({B}, lo, torch::kFloat64), {2}, {D, false}, gen);
  const auto e = encode_sigma_ode(den, x, options(Solver::RK45, 18, lo, hi, 1e-8));
  // Decoding (contracting) lands back on the states.
  OdeRhs rhs = [&](const torch::Tensor& s, const torch::Tensor& y) { return (y - den(y, s)) / s.reshape({-1, 1}); };
  const auto back = solve_rk45(rhs, e.latents, hi, lo, {1e-8, 1e-8}).y;
  EXPECT_LT(max_abs(back - x), 1e-6) << max_abs(back - x);
  // At σ_max ≫ the data's spread the latents follow the prior's radius law R²/r² ~ BetaPrime(1, 2).
  const RadiusLaw law{2, D, hi};
  const auto R = e.latents.norm(2, {1}).contiguous();
  const std::vector<double> radii(R.data_ptr<double>(), R.data_ptr<double>() + B);
  EXPECT_GT(eval::ks_test(radii, [&](double r) { return law.cdf(r); }).p_value, 1e-3);
  EXPECT_LT(eval::ks_test(radii, [&](double r) { return RadiusLaw{2, D, 0.5 * hi}.cdf(r); }).p_value, 1e-3);
  // Heun converges to the RK45 encoding at second order.
  auto heun_error = [&](int steps) {
    return max_abs(encode_sigma_ode(den, x.narrow(0, 0, 32), options(Solver::Heun, steps, lo, hi)).latents -
                   e.latents.narrow(0, 0, 32));
  };
  const double h1 = heun_error(65), h2 = heun_error(129);
  EXPECT_NEAR(h1 / h2, 4.0, 1.0) << h1 << " " << h2;
}

TEST(Encoder, PFGMFieldLineOfOneChargeIsStraight) {
  // The field line of one charge at ỹ = (y, 0) is the ray x(z) − y = (x0 − y)·z/z0; the encoder runs
  // it outward. A steep field keeps the reference's 1/(v_z + 1e−5) within 1e−6 of exact.
  const auto y = torch::tensor({{0.2, -0.4, 1.0}}, torch::kFloat64);
  FieldFn field = [&](const torch::Tensor& x, const torch::Tensor& z) {
    auto v = torch::cat({y - x, -z.unsqueeze(1)}, 1);
    return 1e4 * v / v.norm(2, {1}, true);
  };
  PFGMODEOptions ode{40, 1e-3, 5, 0};
  auto gen = core::make_generator(8);
  const auto x = y + at::randn({5, 3}, gen, torch::kFloat64) * 0.01;
  const auto exact = y + (x - y) * (ode.z_max / ode.z_min);
  const auto rk = encode_pfgm_ode(field, x, ode, options(Solver::RK45, 18, 0.002, 80, 1e-9));
  EXPECT_LT(max_abs(rk.latents - exact) / max_abs(exact - y), 1e-5);
  // Euler in z is exact on a straight line through the charge: x − y scales by z_{i+1}/z_i.
  const auto eu = encode_pfgm_ode(field, x, ode, options(Solver::Euler, 10, 0.002, 80));
  EXPECT_EQ(eu.nfe, 10);
  EXPECT_LT(max_abs(eu.latents - exact) / max_abs(exact - y), 1e-5);
  EXPECT_THROW(encode_pfgm_ode(field, x, ode, options(Solver::Heun, 10, 0.002, 80)), Error);
}

TEST(Encoder, PFGMRoundTripWithTheFieldOfTwoCharges) {
  const int64_t N = 2;
  const auto Y = torch::tensor({{-1.0, 0.0}, {1.0, 0.5}}, torch::kFloat64);
  // The direction of the Coulomb field at unit strength ×1e4 (so the reference's 1/(v_z + 1e−5)
  // never flips sign far out), pointing toward the charges as the learnt field does.
  FieldFn field = [&](const torch::Tensor& x, const torch::Tensor& z) {
    double log_scale = 0;
    const auto E = physics::coulomb_field(x, z, Y, &log_scale);
    return -1e4 * E / E.norm(2, {1}, true);
  };
  PFGMODEOptions ode{40, 0.01, 5, 0};
  auto gen = core::make_generator(9);
  const auto x = Y.index_select(0, torch::tensor({0, 1, 1, 0})) + at::randn({4, N}, gen, torch::kFloat64) * 0.1;
  const auto e = encode_pfgm_ode(field, x, ode, options(Solver::RK45, 18, 0.002, 80, 1e-9));
  EXPECT_GT(e.latents.norm(2, {1}).min().item<double>(), 5.0);  // carried far out
  const auto back = pfgm_rk45_sampler(field, e.latents, ode, {1e-9, 1e-9}).y;
  EXPECT_LT(max_abs(back - x), 1e-5) << max_abs(back - x);
}

TEST(Encoder, ModelEncodeDecodeInvertAndMatchGenerate) {
  // A small untrained vector model: its map is smooth, so decode ∘ encode = D(·; σ_min), the
  // generation path's final step, to ODE tolerance; encode does not depend on --batch; and
  // generate(seeds) is decode(prior_latents(seeds)) bit for bit.
  at::manual_seed(0);
  auto config = networks::ModelConfig::from_json(
      {{"model_type", "ToyMLP"}, {"N", 3}, {"D", 16}, {"sigma_max", 10}, {"sigma_data", 1.0}, {"hidden", 32}, {"num_blocks", 1}});
  networks::Model model(config);
  auto gen = core::make_generator(10);
  const auto x = at::randn({6, 3}, gen, torch::kFloat64);
  auto o = options(Solver::RK45, 18, config.sigma_min, config.sigma_max, 1e-7);
  const auto enc = encode(model, x, o);
  const auto dec = decode(model, enc.latents, o);
  const auto target = denoiser_of(model)(x, torch::scalar_tensor(config.sigma_min, torch::kFloat64));
  EXPECT_LT(max_abs(dec.x - target), 1e-4) << max_abs(dec.x - target);
  EXPECT_LT(max_abs(dec.x - x), 0.05);
  o.batch = 4;
  EXPECT_TRUE(torch::equal(encode(model, x, o).latents.narrow(0, 4, 2), encode(model, x.narrow(0, 4, 2), o).latents));
  for (Solver s : {Solver::Heun, Solver::RK45}) {
    auto g = options(s, 8, config.sigma_min, config.sigma_max, 1e-4);
    const auto seeds = range(5);
    const auto a = generate(model, seeds, {3}, g);
    const auto b = decode(model, prior_latents(config, seeds, {3}, config.sigma_max), g);
    EXPECT_TRUE(torch::equal(a.x, b.x)) << to_string(s);
    EXPECT_EQ(a.nfe, b.nfe);
  }
  // Heun's churn is not a map: decode refuses it. Wrong sizes are named.
  auto churn = options(Solver::Heun, 8, config.sigma_min, config.sigma_max);
  churn.churn.S_churn = 10;
  EXPECT_THROW(decode(model, enc.latents, churn), Error);
  EXPECT_THROW(encode(model, torch::zeros({2, 4}, torch::kFloat64), o), Error);
  EXPECT_THROW(decode(model, torch::zeros({2, 4}, torch::kFloat64), o), Error);
}
