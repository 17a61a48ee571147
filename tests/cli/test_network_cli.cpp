// `pfgm golden` and `pfgm info` end to end: exit status follows the comparison, damaged files give
// one-line errors naming the offset or tensor, and info reports the official parameter counts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "test_paths.h"

using namespace cli_test;

namespace {
const std::string kGolden = pfgm::test_paths::shared_dir() + "/golden/";
}

TEST(NetworkCli, GoldenPassesAndFailsByTolerance) {
  const std::string file = kGolden + "unet_block_multihead.safetensors";
  const auto ok = run("golden " + file + " --json");
  EXPECT_EQ(ok.status, 0) << ok.err;
  const auto j = nlohmann::json::parse(ok.out.substr(0, ok.out.find('\n')));
  EXPECT_EQ(j["output"], "y");
  EXPECT_TRUE(j["pass"].get<bool>());
  EXPECT_LT(j["max_rel_err"].get<double>(), 1e-5);
  const auto strict = run("golden " + file + " --tolerance 1e-12");
  expect_one_line_error(strict, "above their tolerance");
  EXPECT_NE(strict.out.find("FAIL"), std::string::npos);
}

TEST(NetworkCli, TruncatedAndLyingFilesAreOneLineErrors) {
  const std::string src = slurp(kGolden + "ddpmpp_small.safetensors");
  const std::string truncated = dir() + "/truncated.safetensors";
  write(truncated, src.substr(0, src.size() / 2));
  expect_one_line_error(run("golden " + truncated), truncated);
  // A header whose first tensor's end offset points past its bytes (same header length).
  std::string lying = src;
  const auto pos = lying.find("\"data_offsets\":[0,4096]");
  ASSERT_NE(pos, std::string::npos);
  lying.replace(pos + 18, 4, "9999");
  const std::string lying_path = dir() + "/lying.safetensors";
  write(lying_path, lying);
  expect_one_line_error(run("golden " + lying_path), "param.model.map_layer0.weight");
}

TEST(NetworkCli, InfoReportsOfficialParameterCount) {
  const auto r = run("info cifar10-ncsnpp --json", false);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["parameters"].get<int64_t>(), 56397827);
  EXPECT_GT(j["flops_per_forward"].get<int64_t>(), 0);
  expect_one_line_error(run("info no-such-preset", false), "unknown preset 'no-such-preset'");
}
