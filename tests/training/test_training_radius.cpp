// The training input of the PFGM++ loss (pfgm train's path): for images of N = 3072 the perturbation
// radius R = ‖x − y‖ follows R²/r² ~ BetaPrime(N/2, D/2) with r = σ√D for small D, where the
// official clipped Beta draw does not (it caps R at ≈ 31.6·r, spec 1.7).
#include <gtest/gtest.h>
#include <torch/types.h>

#include "pfgm/core/rng.h"
#include "pfgm/eval/ks_test.h"
#include "pfgm/training/losses.h"

using namespace pfgm;

namespace {
// KS p-value of 1/(1 + R²/r²) ~ Beta(D/2, N/2) over `draws` training inputs of CIFAR-10's shape.
double training_radius_p_value(double D, bool official_clip, int64_t draws = 20000) {
  const int64_t N = 3 * 32 * 32;
  training::PFGMPPLoss loss;
  loss.kernel = {D, official_clip};
  auto gen = core::make_generator(4242 + static_cast<uint64_t>(D));
  std::vector<double> v;
  for (int64_t done = 0; done < draws; done += 1000) {
    const auto y = at::rand({1000, 3, 32, 32}, gen) * 2 - 1;  // data in [−1, 1]
    const auto p = loss.perturb(y, gen);
    const auto R = (p.x - y).to(torch::kFloat64).reshape({1000, -1}).norm(2, {1});
    const auto r = p.sigma.to(torch::kFloat64) * std::sqrt(D);
    const auto u = (1 / (1 + (R / r).pow(2))).contiguous();
    v.insert(v.end(), u.data_ptr<double>(), u.data_ptr<double>() + u.numel());
  }
  return eval::ks_test(v, eval::beta_cdf(D / 2, N / 2.0)).p_value;
}
}  // namespace

class TrainingRadius : public ::testing::TestWithParam<double> {};

TEST_P(TrainingRadius, IsExactAndTheOfficialClipIsNot) {
  const double D = GetParam();
  EXPECT_GT(training_radius_p_value(D, false), 0.01) << "D=" << D;
  EXPECT_LT(training_radius_p_value(D, true), 1e-6) << "D=" << D << ": the clipped draw must be rejected";
}

INSTANTIATE_TEST_SUITE_P(SmallD, TrainingRadius, ::testing::Values(1.0, 2.0, 4.0));
