// `pfgm bench train|sample`: the last stdout line is a JSON object with the figures and the
// configuration; the sampler's NFE follows the solver; bad flags are one-line errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"

using namespace cli_test;

namespace {

const std::string kShape = " --cbase 8 --cres 1,2 --nblock 1 --res 8 --batch 4 --iters 2 --warmup 1";
const std::string kTiny = kShape + " --attn ''";

nlohmann::json last_json_line(const std::string& out) {
  const auto end = out.find_last_not_of('\n');
  const auto start = out.rfind('\n', end);
  return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start + 1, end - start));
}

}  // namespace

TEST(BenchCli, TrainReportsImagesPerSecondAndMemory) {
  const auto r = run("bench train" + kTiny);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = last_json_line(r.out);
  EXPECT_GT(j.at("train_img_per_s").get<double>(), 0);
  EXPECT_GT(j.at("peak_rss_mb").get<double>(), 0);
  EXPECT_GT(j.at("params").get<int64_t>(), 0);
  EXPECT_EQ(j.at("batch"), 4);
  EXPECT_EQ(j.at("threads"), 1);
  EXPECT_EQ(j.at("attn"), nlohmann::json::array());
  EXPECT_EQ(j.at("torch").get<std::string>().rfind("2.", 0), 0u);
  EXPECT_EQ(j.at("model_type"), "SongUNet");
}

TEST(BenchCli, SampleNfeFollowsTheSolver) {
  auto r = run("bench sample --steps 3 --solver heun" + kTiny);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = last_json_line(r.out);
  EXPECT_EQ(j.at("nfe"), 5);  // 2·steps − 1
  EXPECT_GT(j.at("sample_img_per_s").get<double>(), 0);
  r = run("bench sample --steps 3 --solver euler --dtype bf16 --channels_last 1" + kTiny);
  ASSERT_EQ(r.status, 0) << r.err;
  j = last_json_line(r.out);
  EXPECT_EQ(j.at("nfe"), 3);
  EXPECT_EQ(j.at("dtype"), "bf16");
  EXPECT_EQ(j.at("channels_last"), 1);
}

TEST(BenchCli, BadFlagsAreOneLineErrors) {
  expect_one_line_error(run("bench sample --solver rk45" + kTiny), "[--solver]");
  expect_one_line_error(run("bench train --dtype fp8" + kTiny), "[--dtype]");
  expect_one_line_error(run("bench train --attn 8,x" + kShape), "[--attn]");
  expect_one_line_error(run("bench train --arch unet" + kTiny), "[--arch]");
}

// --nproc 2: the same steps in one process and in two (pfgm launch), and their scaling efficiency.
TEST(BenchCli, TrainNprocPrintsTheScalingEfficiency) {
  const auto r = run("bench train --nproc 2" + kTiny);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = last_json_line(r.out);
  EXPECT_EQ(j.at("nproc"), 2);
  EXPECT_GT(j.at("img_per_s_1").get<double>(), 0);
  EXPECT_GT(j.at("img_per_s_n").get<double>(), 0);
  EXPECT_NEAR(j.at("scaling_efficiency").get<double>(),
              j.at("img_per_s_n").get<double>() / (2 * j.at("img_per_s_1").get<double>()), 1e-9);
  EXPECT_NE(r.out.find("scaling efficiency"), std::string::npos) << r.out;
}
