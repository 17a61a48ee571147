// The papers' science from the command line on a small idx dataset: the original PFGM trains on
// images (resumably, bit for bit) and samples with RK45 by default; `pfgm robustness` writes its
// table and plot and skips settings it already has.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "cli/idx_fixture.h"

using namespace cli_test;

namespace {
// A small NCSN++ field network trained for a few steps of 4 among 8 images.
const std::string kPfgm = " --objective pfgm --nosubdir --cbase 8 --cres 1,2 --nblock 1 --batch 4 --large_batch 8 "
                          "--grid 2 --steps 3 --solver euler --tick 0.008 --device cpu --seed 2 --fd 0 --amp fp32";
}  // namespace

TEST(ScienceCli, OriginalPfgmTrainsResumesAndSamplesWithRK45) {
  const std::string data = make_idx_dir(), straight = dir() + "/pfgm_straight", half = dir() + "/pfgm_half",
                    resumed = dir() + "/pfgm_resumed";
  auto r = run("train --data " + data + " --outdir " + straight + " --duration 0.000016" + kPfgm);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto options = nlohmann::json::parse(slurp(straight + "/training_options.json"));
  EXPECT_EQ(options["loss_kwargs"]["objective"], "pfgm");
  EXPECT_EQ(options["loss_kwargs"]["large_batch"], 8);
  EXPECT_GT(options["loss_kwargs"]["M"].get<double>(), 0);  // App. B.2 from the data
  EXPECT_EQ(options["network_kwargs"]["model_type"], "NCSNpp");
  EXPECT_GT(options["network_kwargs"]["z_exp"].get<double>(), 0);
  ASSERT_EQ(run("train --data " + data + " --outdir " + half + " --duration 0.000008" + kPfgm).status, 0);
  r = run("train --data " + data + " --outdir " + resumed + " --duration 0.000016 --resume " + half +
          "/training-state-000000.safetensors" + kPfgm);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(slurp(straight + "/network-snapshot-000000.safetensors") ==
              slurp(resumed + "/network-snapshot-000000.safetensors"))
      << "the resumed PFGM run differs from the straight one";
  // generate picks RK45 for a PFGM network and reports its NFE; Euler takes --steps.
  // (loose tolerances: a barely trained field is stiff)
  r = run("generate --network " + straight + " --outdir " + dir() + "/pfgm_gen --seeds 0-1 --rtol 0.05 --atol 0.05 --device cpu");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("NFE"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("(NFE 100)"), std::string::npos) << r.out;  // adaptive, not the fixed grid
  r = run("generate --network " + straight + " --outdir " + dir() + "/pfgm_gen --seeds 0-1 --solver euler --steps 7 --device cpu");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("(NFE 7)"), std::string::npos) << r.out;
  // A PFGM++ preset with --objective pfgm is a one-line error naming the preset.
  r = run("train --data " + data + " --outdir " + dir() + "/pfgm_bad --preset tiny-ddpmpp --objective pfgm --fd 0");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("[--preset] tiny-ddpmpp"), std::string::npos) << r.err;
}

TEST(ScienceCli, RobustnessTableAndPlot) {
  const std::string data = make_idx_dir(), net = dir() + "/rob_net", out = dir() + "/rob";
  ASSERT_EQ(run("train --data " + data + " --outdir " + net + " --nosubdir --cbase 8 --cres 1,2 --nblock 1 "
                "--duration 0.000008 --batch 4 --grid 1 --steps 2 --device cpu --fd 0").status, 0);
  const std::string args = "robustness --network " + net + " --data " + data + " --outdir " + out +
                           " --fd 8 --alpha 0.5 --steps 2 --bits 4 --base_steps 3 --device cpu";
  auto r = run(args);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto csv = slurp(out + "/robustness.csv");
  EXPECT_EQ(lines(csv), 5) << csv;  // header, base, alpha, steps, bits
  EXPECT_NE(csv.find("D = 128,"), std::string::npos) << csv;
  EXPECT_TRUE(exists(out + "/robustness.png"));
  const auto jsonl = slurp(out + "/robustness.jsonl");
  ASSERT_EQ(lines(jsonl), 4);
  for (size_t start = 0; start < jsonl.size();) {
    const auto end = jsonl.find('\n', start);
    const auto row = nlohmann::json::parse(jsonl.substr(start, end - start));
    EXPECT_GE(row["fd"].get<double>(), 0);
    EXPECT_TRUE(row["outlier_share"].is_null());  // the idx fixture has no test split to measure it by
    if (row["sweep"] == "steps") EXPECT_EQ(row["nfe"], 3);  // Heun: 2·2 − 1
    start = end + 1;
  }
  // A second run finds every setting done and only rewrites the table.
  r = run(args);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("FD "), std::string::npos) << r.out;
  EXPECT_EQ(lines(slurp(out + "/robustness.jsonl")), 4);
  // Bad lists are one-line errors naming the flag.
  r = run("robustness --network " + net + " --data " + data + " --outdir " + out + " --bits 0 --device cpu");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("[--bits]"), std::string::npos) << r.err;
}

TEST(ScienceCli, HparamsFollowAppendixB2) {
  const auto r = run("hparams --data " + make_idx_dir() + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["N"], 1024);  // 28×28 padded to 32×32
  EXPECT_EQ(j["images"], 40);
  const double N = 1024, s2 = j["mean_sq_norm"].get<double>();
  const double M = std::floor(0.75 * std::log(s2 / (2 * std::sqrt(N) * 1e-4)) / std::log(1.03)) + 1;
  EXPECT_EQ(j["pfgm"]["M"].get<double>(), M);
  EXPECT_NEAR(j["pfgm"]["z_max"].get<double>(), std::sqrt(2 / M_PI) * 0.01 * std::pow(1.03, M), 1e-9);
  EXPECT_GT(j["max_pairwise_distance"].get<double>(), 0);
  EXPECT_EQ(j["pfgmpp"]["sigma_max"], j["max_pairwise_distance"]);
}
