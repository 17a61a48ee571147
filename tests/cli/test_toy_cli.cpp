// The `pfgm toy` command end to end: bad inputs give one-line errors, a non-zero exit and no
// output files; a short seeded training run learns the heart (MMD within 2× the data baseline).
#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace cli_test;

TEST(ToyCli, BadCsvFiles) {
  const std::array<std::pair<const char*, const char*>, 3> cases{{
      {"ragged.csv", "1,2\n3\n"},
      {"words.csv", "1,2\n3,abc\n"},
      {"empty.csv", ""},
  }};
  for (const auto& [name, text] : cases) {
    const std::string csv = dir() + "/" + name, out = dir() + "/run-" + name;
    write(csv, text);
    const auto r = run("toy train --data " + csv + " --iters 5 --outdir " + out);
    expect_one_line_error(r, "[csv]");
    EXPECT_NE(r.err.find(csv), std::string::npos) << r.err;
    EXPECT_FALSE(exists(out)) << "partial output for " << name;
  }
}

TEST(ToyCli, BadFlags) {
  expect_one_line_error(run("toy train --aug_dim 0 --iters 5 --outdir " + dir() + "/d0"), "--aug_dim");
  expect_one_line_error(run("toy train --aug_dim abc --iters 5 --outdir " + dir() + "/dabc"), "--aug_dim");
  expect_one_line_error(run("toy train --bogus 3"), "--bogus");
  expect_one_line_error(run("toy train --iters many"), "--iters");
  expect_one_line_error(run("toy train --data spiral_galaxy --outdir " + dir() + "/dx"), "spiral_galaxy");
  expect_one_line_error(run("toy train --device tpu"), "--device");
  expect_one_line_error(run("toy train --radius_quantile 1.5 --outdir " + dir() + "/q15"), "--radius_quantile");
  expect_one_line_error(run("toy train --radius_quantile 0 --iters 5 --outdir " + dir() + "/q0"), "radius_quantile");
  expect_one_line_error(run("toy train --z_exp -1"), "--z_exp");
  expect_one_line_error(run("toy", false), "subcommand");
  EXPECT_FALSE(exists(dir() + "/d0"));
  EXPECT_FALSE(exists(dir() + "/dabc"));
  EXPECT_FALSE(exists(dir() + "/q15"));
}

TEST(ToyCli, UnreadableCheckpoint) {
  const std::string bad = dir() + "/bad.safetensors", out = dir() + "/never.csv";
  write(bad, "this is not a safetensors file at all");
  expect_one_line_error(run("toy sample --network " + bad + " --out " + out), bad);
  EXPECT_FALSE(exists(out));
  expect_one_line_error(run("toy sample --network " + dir() + "/missing.safetensors --out " + out), "--network");
  EXPECT_FALSE(exists(out));
}

TEST(ToyCli, ShortSeededRunLearnsTheHeart) {
  const std::string out = dir() + "/heart";
  const auto r = run("toy train --data heart --aug_dim 128 --iters 800 --seed 2 --num 1000 --repeats 5 --json --no-plots --outdir " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out.substr(r.out.rfind('{')));
  const double mmd = j.at("mmd"), baseline = j.at("mmd_baseline");
  EXPECT_LE(mmd, 2 * baseline) << r.out;
  EXPECT_GT(baseline, 0);

  // The snapshot samples again, the same for any batch size.
  const std::string snap = j.at("network");
  ASSERT_EQ(run("toy sample --network " + snap + " --seeds 0-99 --sample_batch 100 --out " + out + "/a.csv").status, 0);
  ASSERT_EQ(run("toy sample --network " + snap + " --seeds 0-99 --sample_batch 7 --out " + out + "/b.csv").status, 0);
  std::ifstream a(out + "/a.csv"), b(out + "/b.csv");
  double u, v;
  char ca, cb;
  int n = 0;
  std::string la, lb;
  while (std::getline(a, la) && std::getline(b, lb)) {
    std::istringstream sa(la), sb(lb);
    while (sa >> u && sb >> v) {
      EXPECT_NEAR(u, v, 1e-6);
      ++n;
      sa >> ca;
      sb >> cb;
    }
  }
  EXPECT_EQ(n, 200);
  // An untrained network is far from the data: the test can fail.
  const auto untrained = run("toy train --data heart --iters 1 --lr 1e-9 --num 1000 --repeats 2 --json --no-plots --outdir " + out + "/u");
  ASSERT_EQ(untrained.status, 0) << untrained.err;
  const auto ju = nlohmann::json::parse(untrained.out.substr(untrained.out.rfind('{')));
  EXPECT_GT(ju.at("mmd").get<double>(), 2 * ju.at("mmd_baseline").get<double>());
}

// SIGINT stops `pfgm toy train` after the current step with a training state written; resuming
// from it finishes with the same final snapshot and state, byte for byte, as an uninterrupted run.
TEST(ToyCli, InterruptThenResumeIsBitIdentical) {
  const std::string flags = " --data heart --n_train 2000 --hidden 32 --blocks 1 --batch 64 --iters 3000 --lr_rampup 20"
                            " --num 200 --repeats 1 --steps 4 --no-plots --device cpu --threads 1";
  const std::string straight = dir() + "/toy_straight", half = dir() + "/toy_half", rest = dir() + "/toy_rest";
  const auto s = run("toy train" + flags + " --outdir " + straight, false);
  ASSERT_EQ(s.status, 0) << s.err;
  const std::string last = "/network-snapshot-000192.safetensors", last_state = "/training-state-000192.safetensors";
  ASSERT_TRUE(exists(straight + last));

  const auto r = run_and_interrupt("toy train" + flags + " --outdir " + half,
                                   [&] { return lines(slurp(half + "/stats.jsonl")) >= 2; });
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(lines(r.err.substr(r.err.find("pfgm: error"))), 1) << r.err;
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
  std::string state;
  for (const auto& f : files_in(half)) {
    EXPECT_EQ(f.find(".tmp"), std::string::npos) << "left behind: " << f;
    if (f.rfind("training-state-", 0) == 0) state = half + "/" + f;
  }
  ASSERT_FALSE(state.empty()) << "no training state after SIGINT";
  EXPECT_NE(r.err.find("--resume " + state), std::string::npos) << r.err;
  EXPECT_FALSE(exists(half + last)) << "the interrupted run must stop before the end";

  const auto c = run("toy train" + flags + " --outdir " + rest + " --resume " + state, false);
  ASSERT_EQ(c.status, 0) << c.err;
  const auto a = slurp(straight + last), b = slurp(rest + last);
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "the resumed run's final snapshot differs from the uninterrupted run's";
  EXPECT_TRUE(slurp(straight + last_state) == slurp(rest + last_state)) << "the final training states differ";
}
