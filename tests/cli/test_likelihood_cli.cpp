// `pfgm likelihood` on a small untrained image network and a PNG-folder dataset: it prints finite
// bits/dim (and the same number whatever --batch, every image owning its noise and probe streams);
// bad networks, datasets and flags are one-line errors.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "pfgm/io/checkpoint.h"
#include "pfgm/networks/model_file.h"
#include "pfgm/networks/model.h"
#include "pfgm/networks/presets.h"

#include "cli/cli_runner.h"
#include "data/dataset_fixtures.h"

using namespace cli_test;

namespace {

// An untrained 8×8 grey-scale DDPM++ (a few thousand parameters) saved as a snapshot in a run folder.
std::string tiny_network(double D) {
  auto j = pfgm::networks::preset_config("fashion-mnist");
  j.update({{"img_resolution", 8}, {"model_channels", 8}, {"channel_mult", {1, 2}}, {"num_blocks", 1},
            {"attn_resolutions", nlohmann::json::array()}});
  j["D"] = std::isinf(D) ? nlohmann::json("inf") : nlohmann::json(D);
  torch::manual_seed(0);
  pfgm::networks::Model model(pfgm::networks::ModelConfig::from_json(j));
  const std::string run_dir = dir() + (std::isinf(D) ? "/lik_run_inf" : "/lik_run");
  ::mkdir(run_dir.c_str(), 0755);
  pfgm::networks::save_model(run_dir + "/network-snapshot-000000.safetensors", model);
  return run_dir;
}

// n PNG images of side `res` in EDM's folder layout.
std::string png_folder(const std::string& name, int n, int res) {
  const std::string d = dir() + "/" + name;
  for (int i = 0; i < n; ++i) {
    char file[64];
    std::snprintf(file, sizeof file, "/00000/img%08d.png", i);
    fixtures::write_bytes(d + file, fixtures::png(i, 1, res, res));
  }
  return d;
}

// One thread: tiny networks gain nothing from more, and lose much when the cores are busy.
const std::string kFast = " --rtol 1e-3 --atol 1e-3 --device cpu --threads 1";

}  // namespace

TEST(LikelihoodCli, PrintsFiniteBitsPerDimIndependentOfTheBatch) {
  const auto net = tiny_network(128);
  const auto data = png_folder("lik_png", 6, 8);
  const auto r = run("likelihood --network " + net + " --data " + data + " --num 2 --batch 2" + kFast, false);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines(r.out), 1) << r.out;
  ASSERT_EQ(r.out.rfind("bits/dim ", 0), 0u) << r.out;
  const double text_bpd = std::stod(r.out.substr(9));

  const auto j = run("likelihood --network " + net + " --data " + data + " --num 2 --batch 1 --json" + kFast, false);
  ASSERT_EQ(j.status, 0) << j.err;
  EXPECT_EQ(lines(j.out), 1) << j.out;
  const auto a = nlohmann::json::parse(j.out);
  const double bpd = a["bits_per_dim"].get<double>();
  EXPECT_TRUE(std::isfinite(bpd)) << j.out;
  EXPECT_GT(bpd, 0);
  EXPECT_LT(bpd, 40);
  EXPECT_GT(a["standard_error"].get<double>(), 0);
  EXPECT_EQ(a["num"].get<int64_t>(), 2);
  EXPECT_GT(a["nfe"].get<double>(), 10);
  EXPECT_NEAR(bpd, text_bpd, 1e-4);  // every image owns its noise and probe streams

  // D = ∞ (EDM) networks take the same path with the Gaussian prior.
  const auto e = run("likelihood --network " + tiny_network(INFINITY) + " --data " + data +
                         " --num 2 --json --probe gaussian --seed 3" + kFast, false);
  ASSERT_EQ(e.status, 0) << e.err;
  const auto ej = nlohmann::json::parse(e.out);
  EXPECT_TRUE(std::isfinite(ej["bits_per_dim"].get<double>()));
  EXPECT_EQ(ej["model"].get<std::string>(), "D = inf");
}

TEST(LikelihoodCli, BadInputsAreOneLineErrors) {
  const auto net = tiny_network(128);
  const auto data = png_folder("lik_png_bad", 3, 8);
  expect_one_line_error(run("likelihood --network " + dir() + "/nowhere --data " + data + kFast, false), "[--network]");
  expect_one_line_error(run("likelihood --network " + net + " --data " + dir() + "/no_data" + kFast, false), "no_data");
  expect_one_line_error(run("likelihood --network " + net + " --data " + png_folder("lik_png16", 2, 16) + kFast, false),
                        "expected 1×8×8");
  expect_one_line_error(run("likelihood --network " + net + " --data " + data + " --num 10" + kFast, false), "[--num]");
  expect_one_line_error(run("likelihood --network " + net + " --data " + data + " --probe cauchy" + kFast, false), "[--probe]");
  expect_one_line_error(run("likelihood --network " + net + " --data " + data + " --split val" + kFast, false), "[--split]");
  // A vector-data model.
  pfgm::networks::Model toy(pfgm::networks::ModelConfig::from_json({{"model_type", "ToyMLP"}, {"N", 2}}));
  const std::string toy_file = dir() + "/lik_toy.safetensors";
  pfgm::networks::save_model(toy_file, toy);
  expect_one_line_error(run("likelihood --network " + toy_file + " --data " + data + kFast, false), "vector data");
}
