// The PFGM normalised field: the official golden target, and the analytic Coulomb field in R^(N+1).
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>

#include "pfgm/core/rng.h"
#include "pfgm/io/safetensors.h"
#include "pfgm/physics/empirical_field.h"
#include "pfgm/physics/pfgm_perturbation.h"
#include "pfgm/physics/stable_target_field.h"
#include "test_paths.h"

using namespace pfgm;

namespace {
double max_rel_err(const torch::Tensor& got, const torch::Tensor& expected) {
  const auto e = expected.to(torch::kFloat64);
  return (got.to(torch::kFloat64) - e).abs().max().item<double>() / e.abs().max().item<double>();
}
}  // namespace

TEST(EmpiricalField, MatchesTheGoldenTarget) {
  const auto f = io::read_safetensors(pfgm::test_paths::shared_dir() + "/golden/pfgm_field.safetensors");
  const auto& data = f.at("in.data");
  const auto& qx = f.at("in.query_x");
  const auto& qz = f.at("in.query_z");
  const int64_t N = qx[0].numel();
  const auto E = physics::empirical_field(qx.reshape({qx.size(0), -1}), qz, data.reshape({data.size(0), -1}));
  const auto target = physics::normalize_field(E, N, 5.0);
  const double tol = 1e-5;
  EXPECT_LT(max_rel_err(target.narrow(1, 0, N).reshape(qx.sizes()), f.at("out.target_x")), tol);
  EXPECT_LT(max_rel_err(target.select(1, N), f.at("out.target_z")), tol);
}

TEST(EmpiricalField, SingleChargeEqualsTheAnalyticField) {
  // One charge ỹ = (y, 0): E(x̃) = (x̃ − ỹ)/(S_N(1)·‖x̃ − ỹ‖^(N+1)); the training target is the
  // normalised field pointing toward the charge, √N·(−E/‖E‖)·‖Ê‖/(‖Ê‖ + γ) with Ê = ỹ − x̃ (c = 1).
  for (int64_t N : {1, 2, 3, 50}) {
    auto gen = core::make_generator(3 + N);
    const auto y = at::randn({1, N}, gen, torch::kFloat64);
    const auto x = at::randn({6, N}, gen, torch::kFloat64) * 2;
    const auto z = at::rand({6}, gen, torch::kFloat64) + 0.1;
    const auto F = physics::coulomb_field(x, z, y);
    // Analytic, written out directly.
    const auto diff = torch::cat({x - y, z.unsqueeze(1)}, 1);
    const auto dist = diff.norm(2, {1}, true);
    const double area = 2 * std::pow(M_PI, (N + 1) / 2.0) / std::tgamma((N + 1) / 2.0);
    const auto F_exact = diff / (area * dist.pow(N + 1));
    EXPECT_LT(max_rel_err(F, F_exact), 1e-12) << "N=" << N;
    const auto target = physics::normalize_field(physics::empirical_field(x, z, y), N, 5.0);
    const auto E_dir = -F_exact / F_exact.norm(2, {1}, true);
    const auto expected = std::sqrt(double(N)) * E_dir * dist / (dist + 5.0);
    EXPECT_LT(max_rel_err(target, expected), 1e-6) << "N=" << N;  // 1e−7 epsilons of the official form
  }
}

TEST(EmpiricalField, DirectionOfManyChargesIsTheCoulombField) {
  // w_j ∝ ‖x̃ − ỹ_j‖^−(N+1), so the weighted field is parallel to the sum of Coulomb fields.
  const int64_t N = 8;
  auto gen = core::make_generator(21);
  const auto Y = at::randn({40, N}, gen, torch::kFloat64);
  const auto x = at::randn({10, N}, gen, torch::kFloat64) * 3;
  const auto z = at::rand({10}, gen, torch::kFloat64) * 4 + 0.05;
  const auto E = physics::empirical_field(x, z, Y);
  const auto F = physics::coulomb_field(x, z, Y);
  const auto cos = (E * F).sum(1) / (E.norm(2, {1}) * F.norm(2, {1}));
  EXPECT_LT((cos + 1).abs().max().item<double>(), 1e-9);
}

TEST(PFGMPerturbation, ScalesFollowTheSchedule) {
  auto gen = core::make_generator(4);
  const int64_t N = 3072;
  const auto y = torch::zeros({5000, N}, torch::kFloat64);
  physics::PFGMPerturbationOptions o;
  const auto p = physics::pfgm_perturb(y, o, gen);
  // ‖x̃ − y‖ ≈ √N·σ·k and z̃ = |ε_z|·σ·k: so z ≤ σ·(1+τ)^M·(a few), and all z > 0.
  EXPECT_GT(p.z.min().item<double>(), 0);
  const double k_max = std::pow(1 + o.tau, o.M);
  const auto ratio = p.x.norm(2, {1}) / (std::sqrt(double(N)) * o.sigma_end);
  EXPECT_LT(ratio.max().item<double>(), k_max * 1.1);
  EXPECT_GT(ratio.min().item<double>(), 0.9);
  // ln k / ln(1+τ) = m is uniform on [0, M) (or [0, 0.7M) under restrict_M): its mean lies in between.
  const auto m = torch::log(ratio) / std::log(1 + o.tau);
  EXPECT_GT(m.mean().item<double>(), 0.3 * o.M);
  EXPECT_LT(m.mean().item<double>(), 0.5 * o.M);
}

TEST(StableTargetField, PosteriorMeanOverTheReferences) {
  // D = ∞: w = softmax(−‖x − Y_j‖²/(2σ²)), computed here by hand for two references.
  const auto Y = torch::tensor({{0.0, 0.0}, {2.0, 0.0}}, torch::kFloat64);
  const auto x = torch::tensor({{0.5, 0.3}, {1.8, -0.2}}, torch::kFloat64);
  const auto sigma = torch::tensor({0.7, 1.5}, torch::kFloat64);
  const auto got = pfgm::physics::stf_target(x, sigma, Y, INFINITY);
  for (int64_t i = 0; i < 2; ++i) {
    const auto l = -(Y - x[i]).square().sum(1) / (2 * sigma[i] * sigma[i]);
    const auto w = torch::softmax(l, 0);
    EXPECT_LT((got[i] - (w.unsqueeze(1) * Y).sum(0)).abs().max().item<double>(), 1e-12);
  }
  // Finite D: weights ∝ p_r(x | Y_j) ∝ (‖x − Y_j‖² + r²)^(−(N+D)/2) with r = σ√D.
  const double D = 3;
  const auto f = pfgm::physics::stf_target(x, sigma, Y, D);
  for (int64_t i = 0; i < 2; ++i) {
    const double r2 = sigma[i].item<double>() * sigma[i].item<double>() * D;
    const auto p = torch::pow((Y - x[i]).square().sum(1) + r2, -(2 + D) / 2);
    const auto w = p / p.sum();
    EXPECT_LT((f[i] - (w.unsqueeze(1) * Y).sum(0)).abs().max().item<double>(), 1e-6);
  }
  // One reference: the target is that image (up to the reference's 1e−7).
  const auto one = pfgm::physics::stf_target(x, sigma, Y.narrow(0, 1, 1), D);
  EXPECT_LT((one - Y[1]).abs().max().item<double>(), 1e-6);
}
