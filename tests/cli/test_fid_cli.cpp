// `pfgm fid ref` and `pfgm fid calc` with a small TorchScript detector (tests/fixtures/eval): the
// distance of a set to its own statistics is 0, a subset of --num is numpy's, and too few images,
// a malformed reference and a detector of the wrong width are one-line errors.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <nlohmann/json.hpp>

#include "pfgm/eval/fid_reference.h"
#include "pfgm/io/npy.h"
#include "pfgm/io/png.h"

#include "cli/cli_runner.h"
#include "test_paths.h"

using namespace cli_test;

namespace {
const std::string kDetector = pfgm::test_paths::fixtures_dir() + "/eval/tiny_detector.pt";

// 40 RGB 8×8 images as an .npz (NHWC) and as a folder of PNGs in generate's layout.
std::string make_images() {
  static const std::string path = [] {
    auto g = at::make_generator<at::CPUGeneratorImpl>(5);
    const auto x = at::randint(0, 256, {40, 3, 8, 8}, g, torch::kUInt8);
    const std::string npz = dir() + "/images.npz", folder = dir() + "/images";
    pfgm::io::write_npz(npz, {{"x", x.permute({0, 2, 3, 1})}});
    ::mkdir(folder.c_str(), 0755);
    ::mkdir((folder + "/000000").c_str(), 0755);
    for (int i = 0; i < 40; ++i) {
      char name[64];
      std::snprintf(name, sizeof name, "/000000/%06d.png", i);
      pfgm::io::write_png(folder + name, x[i]);
    }
    return npz;
  }();
  return path;
}

nlohmann::json calc(const std::string& args) {
  const auto r = run("fid calc --detector " + kDetector + " --json " + args);
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(r.out);
}
}  // namespace

TEST(FidCli, RefThenCalcOfTheSameImagesIsZero) {
  const auto npz = make_images();
  const auto ref = dir() + "/ref.npz";
  auto r = run("fid ref --data " + npz + " --dest " + ref + " --detector " + kDetector + " --features 1 --batch 16");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto stats = pfgm::eval::read_fid_reference(ref);
  EXPECT_EQ(stats.stats.mu.size(0), 16);
  EXPECT_EQ(stats.features.size(0), 40);
  auto j = calc("--images " + npz + " --ref " + ref + " --num 40 --kid 1 --is 1");
  EXPECT_LT(std::abs(j["fid"].get<double>()), 1e-6);
  EXPECT_EQ(j["num"], 40);
  EXPECT_TRUE(j.contains("kid") && j.contains("is_mean"));
  // The PNG folder holds the same images: the same statistics.
  j = calc("--images " + dir() + "/images --ref " + ref + " --num 40");
  EXPECT_LT(std::abs(j["fid"].get<double>()), 1e-6);
  // A subset of 20 is a different set, at a positive distance, and the same for the same seed.
  const double a = calc("--images " + npz + " --ref " + ref + " --num 20 --seed 1")["fid"];
  const double b = calc("--images " + dir() + "/images --ref " + ref + " --num 20 --seed 1")["fid"];
  const double c = calc("--images " + npz + " --ref " + ref + " --num 20 --seed 2")["fid"];
  EXPECT_GT(a, 1e-3);
  EXPECT_DOUBLE_EQ(a, b);
  EXPECT_NE(a, c);
  r = run("fid calc --detector " + kDetector + " --images " + npz + " --ref " + ref + " --num 40");
  EXPECT_NE(r.out.find("FID "), std::string::npos) << r.out;
}

TEST(FidCli, BadInputsAreOneLineErrors) {
  const auto npz = make_images();
  const auto ref = dir() + "/ref_for_errors.npz";
  ASSERT_EQ(run("fid ref --data " + npz + " --dest " + ref + " --detector " + kDetector).status, 0);
  expect_one_line_error(run("fid calc --detector " + kDetector + " --images " + npz + " --ref " + ref + " --num 100"),
                        "found 40 images, but expected at least 100");
  const auto bad = dir() + "/bad_ref.npz";
  pfgm::io::write_npz(bad, {{"mu", torch::zeros({16}, torch::kFloat32)}, {"sigma", torch::eye(16, torch::kFloat64)}});
  expect_one_line_error(run("fid calc --detector " + kDetector + " --images " + npz + " --ref " + bad + " --num 40"),
                        "expected float64 [F]");
  const auto wide = pfgm::test_paths::fixtures_dir() + "/eval/wide_detector.pt";
  expect_one_line_error(run("fid calc --detector " + wide + " --images " + npz + " --ref " + ref + " --num 40"),
                        "features of width 7, but the reference has 16");
  expect_one_line_error(run("fid calc --detector " + kDetector + " --images " + npz + " --ref " + ref +
                            " --num 40 --kid 1"), "no feature rows");
  const auto dest = dir() + "/never.npz";
  expect_one_line_error(run("fid ref --data " + npz + " --dest " + dest + " --detector " + dir() + "/missing.pt"),
                        "no such file");
  EXPECT_FALSE(exists(dest));
}
