// FID, KID and IS against the values numpy/scipy computed on the same inputs
// (tests/fixtures/eval, tools/make_eval_fixtures.py); TorchScript detectors with the Inception
// calling convention; reference files as numpy writes them; and the errors for bad references and
// detectors.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <unistd.h>

#include "pfgm/core/error.h"
#include "pfgm/eval/detector.h"
#include "pfgm/eval/feature_stats.h"
#include "pfgm/eval/fid_reference.h"
#include "pfgm/eval/image_metrics.h"
#include "pfgm/eval/inception_score.h"
#include "pfgm/eval/kid.h"
#include "pfgm/io/npy.h"
#include "pfgm/io/zip.h"
#include "test_paths.h"

using namespace pfgm;

namespace {
const std::string kDir = pfgm::test_paths::fixtures_dir() + "/eval/";

torch::Tensor expected(const std::string& key) {
  static const auto all = io::read_npz(kDir + "expected.npz");
  for (auto& [k, v] : all)
    if (k == key) return v;
  ADD_FAILURE() << "no " << key << " in expected.npz";
  return {};
}

std::string temp(const std::string& name) { return ::testing::TempDir() + std::to_string(::getpid()) + "_" + name; }

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

double rel(double got, double want) { return std::abs(got - want) / std::abs(want); }
}  // namespace

TEST(FeatureMoments, BatchesGiveTheStatisticsOfTheWhole) {
  const auto f = expected("feat_a");
  eval::FeatureMoments m;
  for (int64_t s = 0; s < f.size(0); s += 64) m.add(f.narrow(0, s, std::min<int64_t>(64, f.size(0) - s)));
  const auto whole = eval::gaussian_stats(f);
  const auto batched = m.stats();
  EXPECT_EQ(m.count(), 300);
  EXPECT_LT((batched.mu - whole.mu).abs().max().item<double>(), 1e-14);
  EXPECT_LT((batched.sigma - whole.sigma).abs().max().item<double>(), 1e-12);
  EXPECT_THROW(m.add(torch::zeros({2, 3}, torch::kFloat64)), Error);  // another width
}

TEST(FrechetDistance, MatchesScipyOnFixtureFeatures) {
  const double fd = eval::frechet_distance(eval::gaussian_stats(expected("feat_a")), eval::gaussian_stats(expected("feat_b")));
  EXPECT_LT(rel(fd, expected("fid").item<double>()), 1e-9) << fd;
}

TEST(KID, MatchesNumpyWithOneSubsetOfAllRows) {
  // One subset of min(n, m) = 200 rows: the choice of rows of feat_b is all of them; of feat_a a
  // random 200, so compare with the fixture's formula on the same rows by taking feat_a[:200].
  const auto a = expected("feat_a").narrow(0, 0, 200), b = expected("feat_b");
  eval::KIDOptions o;
  o.num_subsets = 1;
  const double kid = eval::kernel_inception_distance(a, b, o);
  EXPECT_LT(rel(kid, expected("kid").item<double>()), 1e-10) << kid;
  // Unbiased: two sets from one law give KID ≈ 0 (within its spread), unlike a shifted set.
  auto g = at::make_generator<at::CPUGeneratorImpl>(3);
  const auto x = at::randn({400, 8}, g, torch::kFloat64), y = at::randn({400, 8}, g, torch::kFloat64);
  o.num_subsets = 10;
  o.max_subset_size = 200;
  const double same = eval::kernel_inception_distance(x, y, o), shifted = eval::kernel_inception_distance(x, y + 1.0, o);
  EXPECT_GT(shifted, 0.2);
  EXPECT_LT(std::abs(same), 0.02 * shifted) << same << " vs " << shifted;
}

TEST(InceptionScore, MatchesNumpyWithTenSplits) {
  const auto s = eval::inception_score(expected("is_probs"), 10);
  EXPECT_LT(rel(s.mean, expected("is_mean").item<double>()), 1e-12);
  EXPECT_LT(rel(s.std, expected("is_std").item<double>()), 1e-10);
  // Confident and uniform over K classes: IS = K; one class for everything: IS = 1.
  const auto one_hot = torch::eye(5, torch::kFloat64).repeat({4, 1});
  EXPECT_NEAR(eval::inception_score(one_hot, 2).mean, 5.0, 1e-12);
  EXPECT_NEAR(eval::inception_score(torch::full({20, 5}, 0.2, torch::kFloat64), 2).mean, 1.0, 1e-12);
  EXPECT_THROW(eval::inception_score(one_hot, 30), Error);
}

TEST(FIDReference, ReadsNumpysFileAndWritesTheSameArrays) {
  const auto ref = eval::read_fid_reference(kDir + "numpy_stats.npz");
  ASSERT_EQ(ref.stats.mu.sizes(), (std::vector<int64_t>{6}));
  ASSERT_EQ(ref.stats.sigma.sizes(), (std::vector<int64_t>{6, 6}));
  const auto path = temp("ref.npz");
  eval::write_fid_reference(path, ref);
  // The members are byte for byte numpy's .npy files (the zip container itself may differ).
  io::ZipReader numpy(kDir + "numpy_stats.npz"), ours(path);
  for (const char* member : {"mu.npy", "sigma.npy"}) EXPECT_EQ(ours.read(member), numpy.read(member)) << member;
  ::unlink(path.c_str());
}

TEST(FIDReference, WrongShapesAndDtypesAreOneLineErrors) {
  const auto path = temp("bad_ref.npz");
  auto check = [&](const io::NamedArrays& arrays, const std::string& needle) {
    io::write_npz(path, arrays);
    const auto e = error_of([&] { eval::read_fid_reference(path); });
    EXPECT_NE(e.find(needle), std::string::npos) << e;
    EXPECT_NE(e.find(path), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  };
  const auto mu = torch::zeros({4}, torch::kFloat64), sigma = torch::eye(4, torch::kFloat64);
  check({{"mu", mu}}, "expected the keys 'mu' and 'sigma'");
  check({{"mu", mu.to(torch::kFloat32)}, {"sigma", sigma}}, "expected float64 [F]");
  check({{"mu", mu}, {"sigma", torch::eye(5, torch::kFloat64)}}, "expected float64 [4, 4]");
  check({{"mu", mu}, {"sigma", sigma.to(torch::kFloat32)}}, "'sigma' is Float");
  check({{"mu", mu}, {"sigma", sigma}, {"features", torch::zeros({3, 5}, torch::kFloat64)}}, "'features'");
  ::unlink(path.c_str());
}

TEST(TorchScriptDetector, ReproducesTheScriptedModulesOutputs) {
  auto d = eval::load_detector(kDir + "tiny_detector.pt", torch::kCPU, /*class_probs=*/true);
  const auto images = expected("images");
  const auto out = d->detect(images);
  EXPECT_EQ(d->feature_dim(), 16);
  EXPECT_LT((out.features - expected("features")).abs().max().item<double>(), 1e-5);
  ASSERT_TRUE(out.probs.defined());
  EXPECT_LT((out.probs - expected("probs")).abs().max().item<double>(), 1e-6);
  // Grey images are repeated to RGB, as fid.py does.
  const auto grey = images.narrow(1, 0, 1);
  EXPECT_TRUE(torch::allclose(d->detect(grey).features, d->detect(grey.repeat({1, 3, 1, 1})).features));
  // Without class_probs the second forward is skipped.
  EXPECT_FALSE(eval::load_detector(kDir + "tiny_detector.pt", torch::kCPU)->detect(images).probs.defined());
}

TEST(TorchScriptDetector, TupleOutputsAreFeaturesAndLogits) {
  auto tuple = eval::load_detector(kDir + "tuple_detector.pt", torch::kCPU, true);
  auto tiny = eval::load_detector(kDir + "tiny_detector.pt", torch::kCPU, true);
  const auto images = expected("images");
  const auto a = tuple->detect(images), b = tiny->detect(images);
  EXPECT_LT((a.features - b.features).abs().max().item<double>(), 1e-6);
  // no_output_bias probabilities = softmax of the bias-free logits the tuple returns.
  EXPECT_LT((a.probs - b.probs).abs().max().item<double>(), 1e-6);
  EXPECT_LT((a.probs.sum(1) - 1).abs().max().item<double>(), 1e-12);
}

TEST(ImageMetrics, WrongWidthAndBadDetectorFilesAreErrors) {
  auto wide = eval::load_detector(kDir + "wide_detector.pt", torch::kCPU);
  const auto ref = eval::FIDReference{eval::gaussian_stats(expected("feat_a")), {}};
  auto images = expected("images").repeat({2, 1, 1, 1});
  auto e = error_of([&] { eval::image_metrics(*wide, images, ref); });
  EXPECT_NE(e.find("features of width 7, but the reference has 16"), std::string::npos) << e;
  e = error_of([&] { eval::load_detector(kDir + "numpy_stats.npz", torch::kCPU); });
  EXPECT_NE(e.find("not a TorchScript file"), std::string::npos) << e;
  e = error_of([&] { eval::load_detector(kDir + "missing.pt", torch::kCPU); });
  EXPECT_NE(e.find("no such file"), std::string::npos) << e;
  // Float images are not what a detector takes.
  auto tiny = eval::load_detector(kDir + "tiny_detector.pt", torch::kCPU);
  e = error_of([&] { tiny->detect(images.to(torch::kFloat32)); });
  EXPECT_NE(e.find("expected uint8 images"), std::string::npos) << e;
}

TEST(ImageMetrics, SameImagesAsTheReferenceGiveZeroDistance) {
  auto tiny = eval::load_detector(kDir + "tiny_detector.pt", torch::kCPU, true);
  auto g = at::make_generator<at::CPUGeneratorImpl>(1);
  const auto images = at::randint(0, 256, {64, 3, 12, 12}, g, torch::kUInt8);
  eval::FeatureSetOptions f;
  f.batch = 10;
  f.keep_features = true;
  const auto set = eval::compute_feature_set(*tiny, images, f);
  ASSERT_EQ(set.features.size(0), 64);
  eval::ImageMetricsOptions o;
  o.batch = 7;
  o.kid = true;
  o.inception_score = true;
  o.kid_options.num_subsets = 3;
  const auto m = eval::image_metrics(*tiny, images, {set.stats, set.features}, o);
  EXPECT_LT(std::abs(m.fd), 1e-6);
  ASSERT_TRUE(m.kid && m.is);
  EXPECT_GE(m.is->mean, 1.0);
  // A darker set is farther away, by FD and by KID.
  const auto darker = eval::image_metrics(*tiny, (images / 2).to(torch::kUInt8), {set.stats, set.features}, o);
  EXPECT_GT(darker.fd, 1.0);
  ASSERT_TRUE(darker.kid);
  EXPECT_GT(*darker.kid, 20 * std::abs(*m.kid)) << *darker.kid << " vs " << *m.kid;
}
