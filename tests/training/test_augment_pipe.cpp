// AugmentPipe (EDM training/augment.py, spec 5.5): flips are exact, the labels follow the official
// laws, the geometric execution moves smooth images as G_inv says, and a seed fixes everything.
#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/cuda.h>

#include <cmath>
#include <functional>
#include <vector>

#include "pfgm/core/error.h"
#include "pfgm/core/rng.h"
#include "pfgm/eval/ks_test.h"
#include "pfgm/training/augment_pipe.h"

using namespace pfgm;
using training::AugmentOptions;

namespace {

constexpr double kPi = 3.14159265358979323846;
const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

// Every op off; the test switches on what it checks.
AugmentOptions none(double p) {
  AugmentOptions o;
  o.p = p;
  o.xflip = o.yflip = o.scale = o.rotate_frac = o.aniso = o.translate_frac = 0;
  return o;
}

// k successes out of n at probability q lie within 5 binomial standard deviations.
void expect_binomial(int64_t k, int64_t n, double q, const char* what) {
  const double sd = std::sqrt(n * q * (1 - q));
  EXPECT_LE(std::abs(static_cast<double>(k) - n * q), 5 * sd)
      << what << ": " << k << " of " << n << ", expected a share of " << q;
}

std::vector<double> values(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kFloat64).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

void expect_ks(const torch::Tensor& samples, const std::function<double(double)>& cdf, const char* what) {
  ASSERT_GT(samples.numel(), 100) << what;
  const auto r = eval::ks_test(values(samples), cdf);
  EXPECT_GT(r.p_value, 1e-3) << what << ": KS D = " << r.statistic << " over " << samples.numel() << " samples";
}

// Pixel-centred coordinates of an H×W image (augment.py's: origin at the image centre, y down).
std::pair<torch::Tensor, torch::Tensor> coords(int64_t H, int64_t W) {
  return {torch::arange(W, kF64).sub((W - 1) / 2.0).view({1, W}),   // x
          torch::arange(H, kF64).sub((H - 1) / 2.0).view({H, 1})};  // y
}

// A Gaussian blob of standard deviation sigma centred at (mx, my), [H, W] float64.
torch::Tensor blob(int64_t H, int64_t W, double mx, double my, double sigma) {
  const auto [x, y] = coords(H, W);
  return torch::exp(-((x - mx).pow(2) + (y - my).pow(2)) / (2 * sigma * sigma));
}

// A smooth image without rotational or mirror symmetry: two blobs and a slow ramp, [1, 1, H, W].
torch::Tensor smooth_image(int64_t H, int64_t W) {
  const auto [x, y] = coords(H, W);
  return (blob(H, W, 5, -3, 4) + 0.5 * blob(H, W, -6, 4, 3) + 0.01 * x - 0.02 * y).view({1, 1, H, W});
}

// First and second moments of an image [H, W] in pixel-centred coordinates.
struct Moments {
  double mx, my, cxx, cxy, cyy;
};
Moments moments(const torch::Tensor& img) {
  const auto I = img.to(torch::kFloat64);
  const auto [x, y] = coords(I.size(0), I.size(1));
  const double m0 = I.sum().item<double>();
  const double mx = (I * x).sum().item<double>() / m0, my = (I * y).sum().item<double>() / m0;
  return {mx, my, (I * (x - mx).pow(2)).sum().item<double>() / m0, (I * (x - mx) * (y - my)).sum().item<double>() / m0,
          (I * (y - my).pow(2)).sum().item<double>() / m0};
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

}  // namespace

// ---- Pixel blitting ---------------------------------------------------------------------------

TEST(AugmentPipe, XFlipOnlyFlipsExactlyTheLabelledImagesAndHalfOfThem) {
  auto g_data = core::make_generator(0), gen = core::make_generator(1);
  const auto x = at::rand({400, 3, 8, 6}, g_data, torch::kFloat32);
  auto o = none(0.12);
  o.xflip = 1e8;  // train.py's multiplier: min(1, 1e8·p) = 1
  const auto r = training::augment(x, o, gen);
  ASSERT_EQ(r.images.sizes(), x.sizes());
  ASSERT_EQ(r.labels.sizes(), (std::vector<int64_t>{400, training::kAugmentDim}));
  ASSERT_EQ(r.labels.scalar_type(), torch::kFloat32);
  int64_t flips = 0;
  for (int64_t i = 0; i < 400; ++i) {
    const float w = r.labels[i][0].item<float>();
    if (w == 1) {
      ++flips;
      EXPECT_TRUE(torch::equal(r.images[i], x[i].flip({2}))) << "image " << i << " labelled flipped";
    } else {
      EXPECT_EQ(w, 0) << "image " << i;
      EXPECT_TRUE(torch::equal(r.images[i], x[i])) << "image " << i << " labelled unflipped";
    }
  }
  EXPECT_EQ(r.labels.slice(1, 1).count_nonzero().item<int64_t>(), 0);
  expect_binomial(flips, 400, 0.5, "x-flips");
}

TEST(AugmentPipe, YFlipFlipsRowsWithProbabilityHalfP) {
  auto g_data = core::make_generator(0), gen = core::make_generator(2);
  const auto x = at::rand({2000, 1, 5, 4}, g_data, torch::kFloat32);
  auto o = none(0.4);
  o.yflip = 1;
  const auto r = training::augment(x, o, gen);
  const auto flipped = r.labels.select(1, 1) == 1;
  EXPECT_TRUE(torch::equal(r.images.index({flipped}), x.index({flipped}).flip({2})));
  EXPECT_TRUE(torch::equal(r.images.index({~flipped}), x.index({~flipped})));
  expect_binomial(flipped.sum().item<int64_t>(), 2000, 0.2, "y-flips at p = 0.4");
}

// ---- Labels -----------------------------------------------------------------------------------

TEST(AugmentPipe, LabelsFollowTheOfficialLawsAtPOne) {
  auto gen = core::make_generator(3);
  AugmentOptions o;  // train.py's multipliers
  o.p = 1;
  const int64_t B = 4000;
  const auto L = training::augment(torch::zeros({B, 1, 8, 8}), o, gen).labels;
  expect_binomial((L.select(1, 0) == 1).sum().item<int64_t>(), B, 0.5, "x-flips");
  expect_binomial((L.select(1, 1) == 1).sum().item<int64_t>(), B, 0.5, "y-flips");
  expect_ks(L.select(1, 2), normal_cdf, "scale w ~ N(0, 1)");
  const auto theta = torch::atan2(L.select(1, 4).to(torch::kFloat64), L.select(1, 3).to(torch::kFloat64) + 1);
  expect_ks(theta, [](double t) { return (t + kPi) / (2 * kPi); }, "rotation θ ~ U(−π, π)");
  // aniso (w·cos r, w·sin r): r = 0 for half the images, where the first label is w itself; |w| ~ χ₁.
  const auto unrotated = L.select(1, 6) == 0;
  expect_binomial(unrotated.sum().item<int64_t>(), B, 0.5, "aniso axis unrotated");
  expect_ks(L.select(1, 5).index({unrotated}), normal_cdf, "aniso w (r = 0) ~ N(0, 1)");
  expect_ks(torch::hypot(L.select(1, 5), L.select(1, 6)), eval::chi_cdf(1), "aniso |w| ~ chi(1)");
  expect_ks(L.select(1, 7), normal_cdf, "translation tx ~ N(0, 1)");
  expect_ks(L.select(1, 8), normal_cdf, "translation ty ~ N(0, 1)");
}

TEST(AugmentPipe, PSetsTheShareOfAppliedOps) {
  auto gen = core::make_generator(4);
  AugmentOptions o;
  o.p = 0.3;
  const int64_t B = 4000;
  const auto L = training::augment(torch::zeros({B, 1, 8, 8}), o, gen).labels;
  const auto applied = [&](int64_t column) { return (L.select(1, column) != 0).sum().item<int64_t>(); };
  expect_binomial((L.select(1, 0) == 1).sum().item<int64_t>(), B, 0.5, "x-flips (multiplier 1e8)");
  expect_binomial((L.select(1, 1) == 1).sum().item<int64_t>(), B, 0.15, "y-flips");
  expect_binomial(applied(2), B, 0.3, "scale");
  expect_binomial(applied(4), B, 0.3, "rotation");
  expect_binomial(applied(5), B, 0.3, "aniso");
  expect_binomial(applied(7), B, 0.3, "translation");
  // One draw gates both translation coordinates.
  EXPECT_TRUE(torch::equal(L.select(1, 7) != 0, L.select(1, 8) != 0));
}

TEST(AugmentPipe, PZeroReturnsTheImagesAndZeroLabels) {
  auto gen = core::make_generator(5);
  const auto x = torch::randn({3, 2, 4, 4});
  const auto r = training::augment(x, AugmentOptions{0.0}, gen);
  EXPECT_TRUE(torch::equal(r.images, x));
  EXPECT_TRUE(torch::equal(r.labels, torch::zeros({3, training::kAugmentDim})));
}

TEST(AugmentPipe, LabelsDescribeG_inv) {
  // One op at a time at p = 1: G_inv is augment.py's matrix written from the labels.
  const int64_t B = 64, H = 16, W = 24;
  const auto check = [&](const AugmentOptions& opts,
                         const std::function<torch::Tensor(const torch::Tensor&)>& expected, const char* what) {
    auto gen = core::make_generator(6);
    const auto d = training::draw_augment(B, H, W, opts, gen);
    ASSERT_TRUE(d.geometric) << what;
    const auto err = max_abs(d.G_inv - expected(d.labels.to(torch::kFloat64)));
    EXPECT_LT(err, 1e-6) << what;
  };
  auto o = none(1);
  o.scale = 1;
  check(o, [&](const torch::Tensor& L) {
    const auto s = torch::exp2(-0.2 * L.select(1, 2));  // scale2d_inv(2^(w·scale_std))
    return training::scale2d(s, s);
  }, "scale");
  o = none(1);
  o.rotate_frac = 1;
  check(o, [&](const torch::Tensor& L) {
    const auto c = L.select(1, 3) + 1, s = L.select(1, 4), z = torch::zeros({B}, kF64), one = torch::ones({B}, kF64);
    return torch::stack({c, -s, z, s, c, z, z, z, one}, 1).view({B, 3, 3});  // rotate2d_inv(−θ) = rotate2d(θ)
  }, "rotation");
  o = none(1);
  o.translate_frac = 1;
  check(o, [&](const torch::Tensor& L) {
    return training::translate2d(-L.select(1, 7) * (W * 0.125), -L.select(1, 8) * (H * 0.125));
  }, "translation");
  // aniso: G_inv = R(−r)·diag(1/s, s)·R(r), s = 2^(0.2w): symmetric, det 1, eigenvalues 2^(∓0.2w).
  o = none(1);
  o.aniso = 1;
  auto gen = core::make_generator(6);
  const auto d = training::draw_augment(B, H, W, o, gen);
  const auto A = d.G_inv.slice(1, 0, 2).slice(2, 0, 2);
  const auto L = d.labels.to(torch::kFloat64);
  const auto w = torch::hypot(L.select(1, 5), L.select(1, 6));
  EXPECT_LT(max_abs(A - A.transpose(1, 2)), 1e-12);
  EXPECT_LT(max_abs(torch::linalg_det(A) - 1), 1e-9);
  const auto trace = A.diagonal(0, 1, 2).sum(1);
  EXPECT_LT(max_abs(trace - (torch::exp2(0.2 * w) + torch::exp2(-0.2 * w))), 1e-5);
  const auto unrotated = L.select(1, 6) == 0;
  const auto w0 = L.select(1, 5).index({unrotated});
  EXPECT_LT(max_abs(A.index({unrotated}).select(1, 0).select(1, 0) - torch::exp2(-0.2 * w0)), 1e-5);
  EXPECT_LT(max_abs(A.index({unrotated}).select(1, 1).select(1, 1) - torch::exp2(0.2 * w0)), 1e-5);
}

// ---- Geometric execution ----------------------------------------------------------------------

TEST(AugmentPipe, IdentityRoundTripReturnsTheImage) {
  // The orthogonal sym6 pair reconstructs perfectly and the identity grid hits the 2× samples.
  const int64_t H = 32, W = 32;
  auto g_data = core::make_generator(7);
  const auto eye = torch::eye(3, kF64).expand({2, 3, 3});
  const auto smooth = smooth_image(H, W).to(torch::kFloat32).expand({2, 1, H, W});
  const auto noise = at::rand({2, 3, H, W}, g_data, torch::kFloat32);
  const double e_smooth = max_abs(training::apply_geometric(smooth, eye) - smooth);
  const double e_noise = max_abs(training::apply_geometric(noise, eye) - noise);
  std::printf("identity round trip: max |error| %.2e (smooth), %.2e (uniform noise)\n", e_smooth, e_noise);
  EXPECT_LT(e_smooth, 1e-5);
  EXPECT_LT(e_noise, 1e-5);
}

TEST(AugmentPipe, IntegerTranslationShiftsByWholePixels) {
  const int64_t H = 32, W = 32;
  const int64_t tx = 3, ty = -2;  // content moves right 3 and up 2: out(x, y) = in(x − tx, y − ty)
  const auto x = smooth_image(H, W).to(torch::kFloat32);
  const auto G_inv = training::translate2d(torch::full({1}, -double(tx), kF64), torch::full({1}, -double(ty), kF64));
  const auto out = training::apply_geometric(x, G_inv);
  const auto interior = out.slice(2, 8, 24).slice(3, 8, 24);
  const auto expected = x.slice(2, 8 - ty, 24 - ty).slice(3, 8 - tx, 24 - tx);
  const double err = max_abs(interior - expected);
  std::printf("integer translation: max |error| %.2e (interior)\n", err);
  EXPECT_LT(err, 1e-5);
  EXPECT_GT(max_abs(interior - x.slice(2, 8, 24).slice(3, 8, 24)), 0.1);  // it did move
}

TEST(AugmentPipe, QuarterTurnMatchesRot90) {
  const int64_t H = 32, W = 32;
  const auto x = smooth_image(H, W).to(torch::kFloat32);
  // rotate_frac with θ = π/2: G_inv = rotate2d_inv(−θ) = rotate2d(π/2).
  const auto out = training::apply_geometric(x, training::rotate2d(torch::full({1}, kPi / 2, kF64)));
  const auto inner = [](const torch::Tensor& t) { return t.slice(2, 4, 28).slice(3, 4, 28); };
  const double err = max_abs(inner(out) - inner(torch::rot90(x, 1, {2, 3})));
  std::printf("quarter turn vs rot90: max |error| %.2e (interior; image range 1.2)\n", err);
  EXPECT_LT(err, 0.02);
  EXPECT_GT(max_abs(inner(out) - inner(torch::rot90(x, -1, {2, 3}))), 0.3);  // the other way is far off
}

TEST(AugmentPipe, IsotropicScaleZoomsACentredBlob) {
  const int64_t H = 48, W = 48;
  const double sigma0 = 3;
  const auto x = blob(H, W, 0, 0, sigma0).view({1, 1, H, W}).to(torch::kFloat32);
  const auto in = moments(x[0][0]);
  for (double w : {-2.5, 2.5}) {
    const double s = std::exp2(w * 0.2);  // scale_std 0.2
    const auto S = torch::full({1}, 1 / s, kF64);
    const auto out = moments(training::apply_geometric(x, training::scale2d(S, S))[0][0]);  // scale2d_inv(s, s)
    const double width = std::sqrt((out.cxx + out.cyy) / (in.cxx + in.cyy));
    EXPECT_NEAR(width, s, 0.01 * s) << "w = " << w;
    EXPECT_NEAR(out.cxy, 0, 1e-3);
    EXPECT_LT(std::hypot(out.mx, out.my), 0.1) << "w = " << w;
  }
}

TEST(AugmentPipe, AugmentedBlobsMoveAsTheirDrawsSay) {
  // All of train.py's ops at p = 1 on an off-centre blob; the same seed gives draw_augment's draws.
  // Output blob: mean A⁻¹(μ_flipped − b), covariance A⁻¹ Σ A⁻ᵀ for G_inv = [A b; 0 1]. Checked where
  // the blob stays in the frame and the frame reaches at most 20 px past the input's edge (further,
  // the reflect padding shows mirror copies of the blob, as in augment.py).
  const int64_t B = 96, H = 96, W = 96;
  const double mx0 = 6, my0 = -4, sigma0 = 2.5;  // σ in pixels
  AugmentOptions o;
  o.p = 1;
  const auto x = blob(H, W, mx0, my0, sigma0).view({1, 1, H, W}).expand({B, 1, H, W}).to(torch::kFloat32);
  auto g1 = core::make_generator(8), g2 = core::make_generator(8);
  const auto d = training::draw_augment(B, H, W, o, g1);
  const auto r = training::augment(x, o, g2);
  ASSERT_TRUE(torch::equal(r.labels, d.labels));
  const auto in = moments(x[0][0]);
  int checked = 0;
  for (int64_t i = 0; i < B; ++i) {
    const auto A = d.G_inv[i].slice(0, 0, 2).slice(1, 0, 2), b = d.G_inv[i].slice(0, 0, 2).select(1, 2);
    const auto A_inv = torch::linalg_inv(A);
    const double fx = d.xflip[i].item<bool>() ? -1 : 1, fy = d.yflip[i].item<bool>() ? -1 : 1;
    const auto mu = A_inv.matmul(torch::tensor({fx * in.mx, fy * in.my}, kF64) - b);
    const auto cov_in = torch::tensor({in.cxx, fx * fy * in.cxy, fx * fy * in.cxy, in.cyy}, kF64).view({2, 2});
    const auto cov = A_inv.matmul(cov_in).matmul(A_inv.t());
    const double mux = mu[0].item<double>(), muy = mu[1].item<double>();
    const double reach = 5 * std::sqrt(torch::linalg_eigvalsh(cov).max().item<double>());
    if (std::abs(mux) + reach > W / 2.0 - 2 || std::abs(muy) + reach > H / 2.0 - 2) continue;  // leaves the frame
    const double c = (W - 1) / 2.0;
    const auto frame = torch::tensor({-c, -c, 1.0, c, -c, 1.0, c, c, 1.0, -c, c, 1.0}, kF64).view({4, 3});
    const auto corners = d.G_inv[i].matmul(frame.t());
    if (max_abs(corners.slice(0, 0, 2)) > c + 20) continue;  // mirror copies may enter
    ++checked;
    const auto out = moments(r.images[i][0]);
    // 0.15 px measured at most: augment.py's half-pixel phase (see apply_geometric) under rotation by ~π.
    EXPECT_NEAR(out.mx, mux, 0.2) << "image " << i;
    EXPECT_NEAR(out.my, muy, 0.2) << "image " << i;
    const double scale = cov.abs().max().item<double>();
    EXPECT_NEAR(out.cxx, cov[0][0].item<double>(), 0.02 * scale) << "image " << i;  // 0.7 % measured
    EXPECT_NEAR(out.cxy, cov[0][1].item<double>(), 0.02 * scale) << "image " << i;
    EXPECT_NEAR(out.cyy, cov[1][1].item<double>(), 0.02 * scale) << "image " << i;
  }
  std::printf("blob moments checked on %d of %lld images\n", checked, static_cast<long long>(B));
  EXPECT_GE(checked, 15);
}

// ---- Reproducibility and errors ---------------------------------------------------------------

TEST(AugmentPipe, SameSeedGivesBitIdenticalOutputOnCpu) {
  auto g_data = core::make_generator(9);
  const auto x = at::rand({16, 3, 16, 16}, g_data, torch::kFloat32) * 2 - 1;
  AugmentOptions o;
  o.p = 0.5;
  auto g1 = core::make_generator(10), g2 = core::make_generator(10), g3 = core::make_generator(11);
  const auto a = training::augment(x, o, g1), b = training::augment(x, o, g2), c = training::augment(x, o, g3);
  EXPECT_TRUE(torch::equal(a.images, b.images));
  EXPECT_TRUE(torch::equal(a.labels, b.labels));
  EXPECT_FALSE(torch::equal(a.labels, c.labels));
  // The generator advanced: a second call draws anew.
  EXPECT_FALSE(torch::equal(training::augment(x, o, g1).labels, a.labels));
}

TEST(AugmentPipe, CudaImagesMatchCpuImagesForTheSameDraws) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  auto g_data = core::make_generator(13);
  const auto x = at::rand({8, 3, 16, 16}, g_data, torch::kFloat32);
  AugmentOptions o;
  o.p = 1;
  auto g1 = core::make_generator(14), g2 = core::make_generator(14);  // CPU generators drive both
  const auto cpu = training::augment(x, o, g1), cuda = training::augment(x.cuda(), o, g2);
  ASSERT_TRUE(cuda.images.is_cuda());
  ASSERT_TRUE(cuda.labels.is_cuda());
  EXPECT_TRUE(torch::equal(cuda.labels.cpu(), cpu.labels));
  EXPECT_LT(max_abs(cuda.images.cpu() - cpu.images), 1e-4);
}

TEST(AugmentPipe, RejectsBadInputsWithAMessage) {
  auto gen = core::make_generator(12);
  const auto expect_error = [](const std::function<void()>& f, const std::string& part) {
    try {
      f();
      ADD_FAILURE() << "expected pfgm::Error containing '" << part << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  AugmentOptions o;
  expect_error([&] { training::augment(torch::zeros({2, 8, 8}), o, gen); }, "[augment] images: got [2, 8, 8]");
  expect_error([&] { training::augment(torch::zeros({2, 1, 8, 8}, torch::kInt64), o, gen); }, "floating-point");
  o.p = -0.1;
  expect_error([&] { training::augment(torch::zeros({2, 1, 8, 8}), o, gen); }, "[augment] p: got -0.1");
  o = AugmentOptions{};
  o.aniso_rotate_prob = 2;
  expect_error([&] { training::augment(torch::zeros({2, 1, 8, 8}), o, gen); }, "aniso_rotate_prob");
  expect_error([&] { training::apply_geometric(torch::zeros({2, 1, 8, 8}), torch::eye(3, kF64).expand({3, 3, 3})); },
               "[apply_geometric] G_inv: got [3, 3, 3], expected [2, 3, 3]");
}
