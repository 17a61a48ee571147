// Likelihoods by the change of variables against exact marginals of Gaussian data N(0, Σ) with a
// non-diagonal Σ: D = ∞ in closed form; finite D and PFGM's D = 1 through the kernel as a Gaussian
// scale mixture — the PFGM++ kernel is Student's t with ν = D and scale σ, so
//   p_σ(x) = E_G[N(x; 0, Σ + s(G)·I)], s(G) = r²/(2G), r = σ√D, G ~ Gamma(D/2),
// a 1-D integral of a smooth function, taken by the trapezoid rule in ln G (error ≪ 1e−10 at every
// σ), and checked against a 2-D polar quadrature of the kernel itself. The denoiser D(x; σ) =
// E[y | x] is the same mixture of Σ(Σ + sI)⁻¹x.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <boost/math/quadrature/gauss.hpp>
#include <cmath>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/eval/ks_test.h"
#include "pfgm/eval/likelihood.h"
#include "pfgm/physics/augmented_space.h"

using namespace pfgm;

namespace {

// Zero-mean Gaussian data N(0, Σ) and the exact quantities of its PFGM++ perturbation at any D.
struct GaussianData {
  torch::Tensor Sigma, lambda, Q;  // Σ = Q·diag(λ)·Qᵀ
  int64_t N;

  explicit GaussianData(const torch::Tensor& S) : Sigma(S), N(S.size(0)) {
    auto [l, q] = torch::linalg_eigh(S);
    lambda = l;
    Q = q;
  }

  // Variances s_k [B, K] of the scale mixture at σ [B] and the log-weights [K] of its nodes.
  std::pair<torch::Tensor, torch::Tensor> mixture(const torch::Tensor& sigma, double D) const {
    const auto s2 = sigma.reshape({-1, 1}).pow(2);
    if (std::isinf(D)) return {s2, torch::zeros({1}, torch::kFloat64)};
    const double du = 0.25;
    const auto u = torch::arange(-45.0, 5.0, du, torch::kFloat64);  // u = ln G
    const auto G = torch::exp(u);
    const auto log_w = 0.5 * D * u - G - std::lgamma(0.5 * D) + std::log(du);  // G^(D/2) e^(−G)/Γ(D/2) du
    return {s2 * D / (2 * G.unsqueeze(0)), log_w};
  }

  // Per node: log N(x; 0, Σ + s_k I) + log w_k [B, K], and x in the eigenbasis / (λ + s_k) factors.
  torch::Tensor node_log_p(const torch::Tensor& x, const torch::Tensor& s, const torch::Tensor& log_w,
                           torch::Tensor* shrink = nullptr) const {
    const auto xp = torch::matmul(x, Q).unsqueeze(1);  // [B, 1, N]
    const auto v = lambda.reshape({1, 1, -1}) + s.unsqueeze(2);  // [B, K, N]
    if (shrink) *shrink = lambda.reshape({1, 1, -1}) / v;
    return -0.5 * (torch::log(2 * M_PI * v) + xp.pow(2) / v).sum(2) + log_w;
  }

  // log p_σ(x) for x [B, N], σ [B] (or one σ for all).
  torch::Tensor log_marginal(const torch::Tensor& x, const torch::Tensor& sigma, double D) const {
    const auto [s, log_w] = mixture(sigma.expand({x.size(0)}), D);
    return torch::logsumexp(node_log_p(x, s, log_w), 1);
  }

  // D(x; σ) = E[y | x] = Σ_k w_k(x)·Σ(Σ + s_k I)⁻¹x, differentiable in x.
  torch::Tensor denoise(const torch::Tensor& x, const torch::Tensor& sigma, double D) const {
    const auto [s, log_w] = mixture(sigma.expand({x.size(0)}), D);
    torch::Tensor shrink;
    const auto w = torch::softmax(node_log_p(x, s, log_w, &shrink), 1).unsqueeze(2);  // [B, K, 1]
    const auto xp = torch::matmul(x, Q);
    return torch::matmul((w * shrink).sum(1) * xp, Q.t());
  }

  torch::Tensor sample(int64_t B, uint64_t seed) const {
    auto gen = core::make_generator(seed);
    const auto L = torch::linalg_cholesky(Sigma);
    return torch::matmul(at::randn({B, N}, gen, torch::kFloat64), L.t());
  }
};

const GaussianData& data2() {
  static const GaussianData d(torch::tensor({{1.0, 0.6}, {0.6, 0.5}}, torch::kFloat64));
  return d;
}
const GaussianData& data3() {
  static const GaussianData d(torch::tensor({{1.0, 0.5, -0.3}, {0.5, 0.8, 0.2}, {-0.3, 0.2, 0.4}}, torch::kFloat64));
  return d;
}

samplers::Denoiser denoiser_of(const GaussianData& d, double D) {
  return [&d, D](const torch::Tensor& x, const torch::Tensor& sigma) { return d.denoise(x, sigma, D); };
}
eval::LogDensity marginal_at(const GaussianData& d, double sigma, double D) {
  return [&d, sigma, D](const torch::Tensor& x) {
    return d.log_marginal(x, torch::full({1}, sigma, torch::kFloat64), D);
  };
}
torch::Tensor exact_at(const GaussianData& d, const torch::Tensor& x, double sigma, double D) {
  return d.log_marginal(x, torch::full({1}, sigma, torch::kFloat64), D);
}
double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

constexpr double kSigmaMin = 0.002, kSigmaMax = 80;

}  // namespace

class Likelihood : public ::testing::Test {};

TEST_F(Likelihood, QuadratureOracleAgreesWithAPolarQuadratureOfTheKernel) {
  // E_kernel[p_data(x − u)] in polar coordinates for N = 2: R²/(R² + r²) = b ~ Beta(1, D/2), so
  // b = 1 − (1 − c)^(2/D) for c ~ U(0, 1), Gauss–Legendre in c, uniform angles.
  const auto& d = data2();
  const auto Sinv = torch::inverse(d.Sigma);
  const double log_det = torch::logdet(2 * M_PI * d.Sigma).item<double>();
  const auto x = torch::tensor({{0.7, -0.3}, {-1.5, -0.2}}, torch::kFloat64);
  for (double D : {1.0, 4.0}) {
    for (double sigma : {0.05, 0.4, 2.0}) {
      const double r = sigma * std::sqrt(D);
      auto mean_over_angles = [&](double c) {
        const double one_minus_b = std::pow(1 - c, 2 / D), R = r * std::sqrt((1 - one_minus_b) / one_minus_b);
        const auto theta = torch::arange(256, torch::kFloat64) * (2 * M_PI / 256);
        const auto u = torch::stack({R * torch::cos(theta), R * torch::sin(theta)}, 1);  // [M, 2]
        const auto y = x.unsqueeze(1) - u.unsqueeze(0);                                   // [B, M, 2]
        const auto q = (torch::matmul(y, Sinv) * y).sum(2);
        return torch::exp(-0.5 * q - 0.5 * log_det).mean(1);  // [B]
      };
      auto total = torch::zeros({2}, torch::kFloat64);
      // Composite Gauss–Legendre over [0, 1] with panels refined towards c = 1 (the far tail).
      std::vector<double> edges{0, 0.5};
      for (int k = 1; k <= 12; ++k) edges.push_back(1 - std::pow(10.0, -k));
      edges.push_back(1);
      for (size_t p = 0; p + 1 < edges.size(); ++p) {
        const double a = edges[p], b = edges[p + 1];
        const auto& nodes = boost::math::quadrature::gauss<double, 30>::abscissa();
        const auto& weights = boost::math::quadrature::gauss<double, 30>::weights();
        for (size_t i = 0; i < nodes.size(); ++i)
          for (double sgn : {-1.0, 1.0}) {
            if (nodes[i] == 0 && sgn < 0) continue;  // boost lists the non-negative half of the nodes
            const double c = 0.5 * (a + b) + sgn * 0.5 * (b - a) * nodes[i];
            total += 0.5 * (b - a) * weights[i] * mean_over_angles(c);
          }
      }
      const auto oracle = exact_at(d, x, sigma, D);
      EXPECT_LT(max_abs(torch::log(total) - oracle), 1e-7) << "D=" << D << " sigma=" << sigma;
    }
  }
}

TEST_F(Likelihood, InfiniteDExactTraceMatchesTheGaussian) {
  // EDM: D(x; σ) = Σ(Σ + σ²I)⁻¹x, p_σ = N(0, Σ + σ²I) in closed form, N = 3.
  const auto& d = data3();
  const auto x0 = d.sample(8, 1);
  eval::LikelihoodOptions o;
  o.exact_trace = true;
  const double D = physics::kInfiniteD;
  const auto r = eval::sigma_ode_likelihood(denoiser_of(d, D), x0, kSigmaMin, kSigmaMax, marginal_at(d, kSigmaMax, D), o);
  const auto expected = exact_at(d, x0, kSigmaMin, D);
  const double err = max_abs(r.log_p - expected);
  std::printf("D = inf, rtol 1e-5: max |log p error| %.2e nats, NFE %lld\n", err, (long long)r.nfe);
  EXPECT_LT(err, 2e-4);
  EXPECT_LT(max_abs(r.log_p - r.prior_log_p - r.delta_log_p), 1e-12);
  EXPECT_EQ(r.latent.sizes(), x0.sizes());
  EXPECT_GT(r.latent.norm().item<double>(), 10 * x0.norm().item<double>());  // carried out to σ_max = 80
  o.rtol = o.atol = 1e-7;
  const auto tight = eval::sigma_ode_likelihood(denoiser_of(d, D), x0, kSigmaMin, kSigmaMax, marginal_at(d, kSigmaMax, D), o);
  const double tight_err = max_abs(tight.log_p - expected);
  std::printf("D = inf, rtol 1e-7: max |log p error| %.2e nats, NFE %lld\n", tight_err, (long long)tight.nfe);
  EXPECT_LT(tight_err, 3e-6);
}

TEST_F(Likelihood, HutchinsonProbesAreUnbiased) {
  // One data point, K probes: the estimates scatter (Σ is not diagonal) around the exact value.
  const auto& d = data3();
  const int64_t K = 256;
  const auto x0 = d.sample(1, 2).expand({K, 3}).contiguous();
  const double D = physics::kInfiniteD;
  const auto expected = exact_at(d, x0.narrow(0, 0, 1), kSigmaMin, D).item<double>();
  for (auto probe : {eval::Probe::Rademacher, eval::Probe::Gaussian}) {
    eval::LikelihoodOptions o;
    o.probe = probe;
    o.seed = 7;
    const auto r = eval::sigma_ode_likelihood(denoiser_of(d, D), x0, kSigmaMin, kSigmaMax, marginal_at(d, kSigmaMax, D), o);
    const double mean = r.log_p.mean().item<double>(), se = r.log_p.std().item<double>() / std::sqrt(double(K));
    std::printf("%s: mean %.5f ± %.5f (exact %.5f), per-probe std %.3f\n", eval::to_string(probe).c_str(), mean, se,
                expected, se * std::sqrt(double(K)));
    EXPECT_GT(se, 1e-3) << "the probes must differ between samples";
    EXPECT_LT(std::abs(mean - expected), 4 * se) << eval::to_string(probe);
    if (probe == eval::Probe::Gaussian) continue;
    // A sample's estimate depends on its index, not on its batch.
    const auto one = eval::sigma_ode_likelihood(denoiser_of(d, D), x0.narrow(0, 5, 1), kSigmaMin, kSigmaMax,
                                                marginal_at(d, kSigmaMax, D), o, 5);
    EXPECT_NEAR(one.log_p.item<double>(), r.log_p[5].item<double>(), 1e-9);
  }
  const auto rad = eval::draw_probes(eval::Probe::Rademacher, 64, {3}, 0);
  EXPECT_TRUE((rad.abs() == 1).all().item<bool>());
  EXPECT_NEAR(rad.mean().item<double>(), 0, 0.2);
  EXPECT_TRUE(eval::draw_probes(eval::Probe::Gaussian, 4, {3}, 0, 2).narrow(0, 1, 1).equal(
      eval::draw_probes(eval::Probe::Gaussian, 1, {3}, 0, 3)));
}

TEST_F(Likelihood, FiniteDMatchesTheQuadratureMarginal) {
  // PFGM++ with D = 4, N = 2: the σ-ODE carries p_{σ_min} to p_{σ_max}, both from the quadrature.
  const auto& d = data2();
  const double D = 4;
  const auto x0 = d.sample(6, 3);
  eval::LikelihoodOptions o;
  o.exact_trace = true;
  const auto r = eval::sigma_ode_likelihood(denoiser_of(d, D), x0, kSigmaMin, kSigmaMax, marginal_at(d, kSigmaMax, D), o);
  const double err = max_abs(r.log_p - exact_at(d, x0, kSigmaMin, D));
  std::printf("D = 4: max |log p error| %.2e nats, NFE %lld\n", err, (long long)r.nfe);
  EXPECT_LT(err, 2e-4);
}

TEST_F(Likelihood, PFGMZOdeMatchesTheD1Marginal) {
  // PFGM's field of the same data: direction (D(x; z) − x, −z) with σ = z (D = 1, r = z), here in
  // the network's normalised form √N·E/(‖E‖ + γ); dx/dz = v_x/v_z from z_min = 1e−3 to z_max = 40.
  const auto& d = data2();
  samplers::FieldFn field = [&d](const torch::Tensor& x, const torch::Tensor& z) {
    const auto E = torch::cat({d.denoise(x, z, 1.0) - x, -z.reshape({-1, 1})}, 1);
    return std::sqrt(2.0) * E / (E.norm(2, {1}, true) + 5);
  };
  const samplers::PFGMODEOptions ode{40, 1e-3, 5, 0};
  const auto x0 = d.sample(6, 4);
  eval::LikelihoodOptions o;
  o.exact_trace = true;
  const auto r = eval::pfgm_ode_likelihood(field, x0, ode, marginal_at(d, ode.z_max, 1.0), o);
  const double err = max_abs(r.log_p - exact_at(d, x0, ode.z_min, 1.0));
  std::printf("PFGM z-ODE: max |log p error| %.2e nats, NFE %lld\n", err, (long long)r.nfe);
  EXPECT_LT(err, 2e-4);
}

TEST_F(Likelihood, DequantisationAndBitsPerDim) {
  auto images = torch::randint(0, 256, {300, 1, 2, 2}, torch::kUInt8);
  const auto x = eval::dequantize(images, 3);
  ASSERT_EQ(x.sizes(), images.sizes());
  // Each value stays in its own cell [k, k + 1)/256 of [0, 1] (mapped to [−1, 1]), uniformly.
  const auto cell = (x + 1) / 2 * 256 - images.to(torch::kFloat64);
  EXPECT_GE(cell.min().item<double>(), 0);
  EXPECT_LT(cell.max().item<double>(), 1);
  const auto c = cell.flatten().contiguous();
  const std::vector<double> v(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  EXPECT_GT(eval::ks_test(v, [](double t) { return std::clamp(t, 0.0, 1.0); }).p_value, 1e-3);
  // Seeded per image index: batch-independent, seed-dependent.
  EXPECT_TRUE(eval::dequantize(images.narrow(0, 10, 5), 3, 10).equal(x.narrow(0, 10, 5)));
  EXPECT_FALSE(eval::dequantize(images, 4).equal(x));
  // The uniform density on [−1, 1]^N (log p = −N ln 2) is 8 bits per dimension, as 256 levels are.
  EXPECT_NEAR(eval::bits_per_dim(torch::full({1}, -12 * std::log(2.0), torch::kFloat64), 12).item<double>(), 8, 1e-12);
}

TEST_F(Likelihood, BadArgumentsThrow) {
  const auto& d = data2();
  const auto x0 = d.sample(2, 5);
  const auto term = marginal_at(d, 1, 4);
  EXPECT_THROW(eval::sigma_ode_likelihood(denoiser_of(d, 4), x0, 1, 0.5, term, {}), Error);
  EXPECT_THROW(eval::sigma_ode_likelihood(denoiser_of(d, 4), x0, 0.01, 1, {}, {}), Error);
  // A callback without gradients cannot give the divergence.
  samplers::Denoiser no_grad = [&d](const torch::Tensor& x, const torch::Tensor& s) {
    at::NoGradGuard g;
    return d.denoise(x, s, 4);
  };
  EXPECT_THROW(eval::sigma_ode_likelihood(no_grad, x0, 0.01, 1, term, {}), Error);
  EXPECT_THROW(eval::pfgm_ode_likelihood({}, x0, {1, 2, 5, 0}, term, {}), Error);
  EXPECT_THROW(eval::parse_probe("cauchy"), Error);
  EXPECT_THROW(eval::dequantize(torch::zeros({2, 3}), 0), Error);
  EXPECT_EQ(eval::parse_probe("gaussian"), eval::Probe::Gaussian);
}
