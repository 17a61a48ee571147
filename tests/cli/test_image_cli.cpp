// `pfgm train` and `pfgm generate` on a small generated idx dataset: a short run leaves a snapshot
// and a grid; generated PNGs are byte-identical whatever --batch; bad data and flags are one-line
// errors that leave no run directory behind.
#include <gtest/gtest.h>
#include <dirent.h>
#include <zlib.h>

#include <algorithm>
#include <csignal>
#include <thread>

#include <nlohmann/json.hpp>

#include "pfgm/io/npy.h"
#include "pfgm/io/png.h"
#include "pfgm/io/safetensors.h"

#include "cli/cli_runner.h"
#include "cli/idx_fixture.h"
#include "data/dataset_fixtures.h"
#include "test_paths.h"

using namespace cli_test;

namespace {

// A 3-step run (12 images of a batch of 4) of a small network, in the run directory given by --outdir.
const std::string kSmall =
    " --nosubdir --cbase 8 --cres 1,2 --nblock 1 --duration 0.000012 --batch 4 --grid 4 --steps 2 --device cpu --fd 0";


}  // namespace

TEST(ImageCli, TrainThenGenerateIsBatchInvariant) {
  const std::string data = make_idx_dir(), run_dir = dir() + "/run";
  const auto r = run("train --data " + data + " --outdir " + run_dir + kSmall);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(exists(run_dir + "/samples.png"));
  for (const char* f : {"network-snapshot-000000.safetensors", "training-state-000000.safetensors", "stats.jsonl",
                        "log.txt", "training_options.json"})
    EXPECT_TRUE(exists(run_dir + "/" + f)) << f;
  // stats.jsonl: one object per tick with the official statistic names.
  const auto stats = slurp(run_dir + "/stats.jsonl");
  ASSERT_GE(lines(stats), 1);
  const auto first = nlohmann::json::parse(stats.substr(0, stats.find('\n')));
  for (const char* k : {"Loss/loss", "Progress/tick", "Progress/kimg", "Timing/total_sec", "Timing/sec_per_kimg",
                        "Resources/cpu_mem_gb"})
    EXPECT_TRUE(first.contains(k)) << k;
  EXPECT_GT(first["Loss/loss"]["num"].get<double>(), 0);
  EXPECT_NE(slurp(run_dir + "/log.txt").find("tick 0"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(slurp(run_dir + "/training_options.json"))["batch_size"], 4);
  EXPECT_NE(r.out.find("sample grid: " + run_dir + "/samples.png"), std::string::npos) << r.out;
  for (const char* batch : {"1", "3"}) {
    const auto g = run("generate --network " + run_dir + " --outdir " + dir() + "/gen" + batch +
                       " --seeds 0-3 --steps 3 --device cpu --batch " + batch + " --npz " + dir() + "/gen" + batch + ".npz");
    ASSERT_EQ(g.status, 0) << g.err;
  }
  // The npz holds the same images as the PNGs: uint8 NHWC under key x.
  const auto npz = pfgm::io::read_npz(dir() + "/gen3.npz");
  ASSERT_EQ(npz.size(), 1u);
  EXPECT_EQ(npz[0].first, "x");
  EXPECT_EQ(npz[0].second.sizes(), (std::vector<int64_t>{4, 32, 32, 1}));
  EXPECT_TRUE(torch::equal(npz[0].second[3].permute({2, 0, 1}),
                           pfgm::io::decode_png(slurp(dir() + "/gen3/000003.png"), "000003.png")));
  EXPECT_EQ(slurp(dir() + "/gen1.npz").size(), slurp(dir() + "/gen3.npz").size());
  for (const char* f : {"000000.png", "000003.png", "grid.png"}) {
    const auto a = slurp(dir() + "/gen1/" + f), b = slurp(dir() + "/gen3/" + f);
    EXPECT_FALSE(a.empty()) << f;
    EXPECT_EQ(a, b) << f << " differs between --batch 1 and --batch 3";
  }
}

TEST(ImageCli, QualityReportGivesFDBesideItsFloor) {
  // --fd 12 after --fd 0 (the last flag wins): 12 samples judged by a classifier trained on the
  // 40 labelled images, kept in the run directory and reused by the next run.
  const std::string data = make_idx_dir(), run_dir = dir() + "/run_fd";
  auto r = run("train --data " + data + " --outdir " + run_dir + kSmall + " --fd 12");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("training the feature classifier"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("held-out real images"), std::string::npos) << r.out;
  EXPECT_TRUE(exists(run_dir + "/classifier-idx.safetensors"));
  const auto q = nlohmann::json::parse(slurp(run_dir + "/quality.json"));
  EXPECT_EQ(q["count"], 12);
  EXPECT_GT(q["fd"].get<double>(), 0);
  EXPECT_GE(q["fd_floor"].get<double>(), 0);
  EXPECT_GE(q["confident"].get<double>(), 0);
  EXPECT_LE(q["confident"].get<double>(), 1);
  // The reference statistics serve pfgm fid calc with the same classifier.
  EXPECT_EQ(pfgm::io::read_npz(run_dir + "/fd-reference.npz").size(), 2u);
  r = run("train --data " + data + " --outdir " + run_dir + kSmall + " --fd 12");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("training the feature classifier"), std::string::npos) << r.out;
}

TEST(ImageCli, BadInputsAreOneLineErrors) {
  const std::string lying = make_idx_dir(true), run_dir = dir() + "/run_bad";
  auto r = run("train --data " + lying + " --outdir " + run_dir + kSmall);
  expect_one_line_error(r, "train-images-idx3-ubyte.gz");
  EXPECT_FALSE(exists(run_dir));
  r = run("train --data " + make_idx_dir() + " --outdir " + run_dir + " --resume " + dir() + "/nope.safetensors" + kSmall);
  expect_one_line_error(r, "[--resume]");
  r = run("generate --network " + dir() + "/nowhere --outdir " + dir() + "/gen_bad");
  expect_one_line_error(r, "[--network]");
  EXPECT_FALSE(exists(dir() + "/gen_bad"));
  r = run("train --aug_dim -3 --outdir " + run_dir);
  expect_one_line_error(r, "--aug_dim");
  // A snapshot or state of another architecture.
  const std::string other = dir() + "/other";
  std::string small4 = kSmall;
  small4.replace(small4.find("--cbase 8"), 9, "--cbase 4");
  ASSERT_EQ(run("train --data " + make_idx_dir() + " --outdir " + other + small4).status, 0);
  r = run("train --data " + make_idx_dir() + " --outdir " + run_dir + kSmall + " --transfer " + other +
          "/network-snapshot-000000.safetensors");
  expect_one_line_error(r, "[--transfer]");
  r = run("train --data " + make_idx_dir() + " --outdir " + run_dir + kSmall + " --resume " + other +
          "/training-state-000000.safetensors");
  expect_one_line_error(r, "another model configuration");
  EXPECT_FALSE(exists(run_dir));
  r = run("train --data " + make_idx_dir() + " --outdir " + run_dir + kSmall + " --batch-gpu 3");
  expect_one_line_error(r, "[--batch-gpu]");
  // An output folder that cannot be made (inside a file): exit 1 and the path, not an internal error.
  std::ofstream(dir() + "/a_file") << "x";
  r = run("train --data " + make_idx_dir() + " --outdir " + dir() + "/a_file/runs" + kSmall);
  expect_one_line_error(r, dir() + "/a_file/runs");
  EXPECT_EQ(r.status, 1);
}

TEST(ImageCli, RunDirectoriesAreNumberedAsTheOfficialOnes) {
  const std::string data = make_idx_dir(), out = dir() + "/numbered";
  const std::string small = " --cbase 8 --cres 1,2 --nblock 1 --duration 0.000004 --batch 4 --grid 1 --steps 2 --device cpu --fd 0";
  ASSERT_EQ(run("train --data " + data + " --outdir " + out + small).status, 0);
  const auto r = run("train --data " + data + " --outdir " + out + " --desc again --cond 1" + small);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(files_in(out), (std::vector<std::string>{"00000-idx-uncond-ddpmpp-edm-gpus1-batch4-fp32",
                                                     "00001-idx-cond-ddpmpp-edm-gpus1-batch4-fp32-again"}));
  // --dry-run prints the options and creates nothing.
  const auto d = run("train --data " + data + " --outdir " + dir() + "/dry -n" + small);
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_NE(d.out.find("\"batch_size\": 4"), std::string::npos) << d.out;
  EXPECT_FALSE(exists(dir() + "/dry"));
}

// N steps straight equal N/2 steps, stop, resume, N/2 steps: the final snapshots are the same bytes
// (with x-flips, the augment pipe and two accumulation rounds per step, so the data sampler, the
// pipe's draws and the rounds are covered).
TEST(ImageCli, ResumeContinuesBitIdentically) {
  const std::string data = make_idx_dir();
  const std::string opts = " --nosubdir --cbase 8 --cres 1,2 --nblock 1 --batch 4 --batch-gpu 2 --xflip 1 --augment 0.5 --grid 1 "
                           "--steps 2 --tick 0.008 --device cpu --seed 5 --fd 0";
  const std::string straight = dir() + "/straight", half = dir() + "/half", resumed = dir() + "/resumed";
  ASSERT_EQ(run("train --data " + data + " --outdir " + straight + " --duration 0.000032" + opts).status, 0);
  ASSERT_EQ(run("train --data " + data + " --outdir " + half + " --duration 0.000016" + opts).status, 0);
  const auto r = run("train --data " + data + " --outdir " + resumed + " --duration 0.000032 --resume " + half +
                     "/training-state-000000.safetensors" + opts);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto a = slurp(straight + "/network-snapshot-000000.safetensors");
  const auto b = slurp(resumed + "/network-snapshot-000000.safetensors");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "resumed run differs from the straight run";
  EXPECT_FALSE(a == slurp(half + "/network-snapshot-000000.safetensors")) << "the second half must train";
  EXPECT_TRUE(slurp(straight + "/training-state-000000.safetensors") == slurp(resumed + "/training-state-000000.safetensors"))
      << "the final training states differ";
}

// SIGINT stops after the current step, writes a complete training state, leaves no temporary file,
// exits non-zero; the state resumes.
TEST(ImageCli, InterruptLeavesAResumableState) {
  const std::string data = make_idx_dir(), run_dir = dir() + "/interrupted";
  const std::string opts = " --nosubdir --cbase 8 --cres 1,2 --nblock 1 --batch 4 --grid 1 --steps 2 --tick 0.004 --device cpu --fd 0";
  // Interrupted after a few ticks.
  const auto r0 = run_and_interrupt("train --threads 1 --data " + data + " --outdir " + run_dir + " --duration 1" + opts,
                                    [&] { return lines(slurp(run_dir + "/stats.jsonl")) >= 3; });
  EXPECT_NE(r0.status, 0);
  const auto& err = r0.err;
  EXPECT_NE(err.find("interrupted"), std::string::npos) << err;
  std::string state;
  for (const auto& f : files_in(run_dir)) {
    EXPECT_EQ(f.find(".tmp"), std::string::npos) << "left behind: " << f;
    if (f.rfind("training-state-", 0) == 0) state = run_dir + "/" + f;
  }
  ASSERT_FALSE(state.empty());
  const auto meta = nlohmann::json::parse(pfgm::io::read_safetensors(state).metadata.at("training_state"));
  const int64_t nimg = meta.at("nimg").get<int64_t>();
  ASSERT_GT(nimg, 0);
  const auto r = run("train --data " + data + " --outdir " + dir() + "/continued --resume " + state + " --duration " +
                     std::to_string((nimg + 8) / 1e6) + opts);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("(" + std::to_string(nimg / 4 + 2) + " steps)"), std::string::npos) << r.out;
}

// Bad EDM datasets given to `pfgm train --data`: one line naming the file or flag, no run directory.
TEST(ImageCli, BadDatasetsAreOneLineErrors) {
  const std::string d = fixtures::fresh_dir("train_bad_data"), run_dir = dir() + "/run_bad_data";
  std::vector<std::pair<std::string, std::string>> good;
  for (int i = 0; i < 4; ++i) good.push_back({"00000/img0000000" + std::to_string(i) + ".png", fixtures::png(i, 1, 16, 16)});
  auto with = [&](std::pair<std::string, std::string> extra) {
    auto m = good;
    m.push_back(std::move(extra));
    return m;
  };
  const std::string small = " --nosubdir --cbase 8 --cres 1,2 --nblock 1 --duration 0.000004 --batch 4 --grid 1 --steps 2 --device cpu --fd 0";
  fixtures::write_zip(d + "/non_image.zip", with({"00000/readme.txt", "not an image"}));
  auto r = run("train --data " + d + "/non_image.zip --outdir " + run_dir + small);
  expect_one_line_error(r, "readme.txt");
  fixtures::write_zip(d + "/mixed.zip", with({"00000/img00000009.png", fixtures::png(9, 1, 32, 32)}));
  r = run("train --data " + d + "/mixed.zip --outdir " + run_dir + small);
  expect_one_line_error(r, "img00000009.png");
  std::string cut = fixtures::png(7, 1, 16, 16);
  fixtures::write_zip(d + "/truncated.zip", with({"00000/img00000007.png", cut.substr(0, cut.size() / 2)}));
  r = run("train --data " + d + "/truncated.zip --outdir " + run_dir + small);
  expect_one_line_error(r, "img00000007.png");
  fixtures::write_zip(d + "/unlabelled.zip", good);
  r = run("train --data " + d + "/unlabelled.zip --cond 1 --outdir " + run_dir + small);
  expect_one_line_error(r, "--cond");
  EXPECT_FALSE(exists(run_dir));
  // The same zip trains unconditionally, at its own resolution (16×16).
  r = run("train --data " + d + "/unlabelled.zip --outdir " + run_dir + small);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("4 images of 1x16x16"), std::string::npos) << r.out;
}

// bf16 autocast and channels-last train on the CPU and give a loadable float32 snapshot that
// differs from the float32 run's; fp16 autocast on the CPU is a one-line error.
TEST(ImageCli, MixedPrecisionAndChannelsLast) {
  const std::string data = make_idx_dir();
  const auto r = run("train --data " + data + " --outdir " + dir() + "/bf16 --amp bf16 --channels_last 1" + kSmall);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto bf16 = slurp(dir() + "/bf16/network-snapshot-000000.safetensors");
  ASSERT_EQ(run("train --data " + data + " --outdir " + dir() + "/fp32 --amp fp32 --channels_last 0" + kSmall).status, 0);
  EXPECT_FALSE(bf16 == slurp(dir() + "/fp32/network-snapshot-000000.safetensors"));
  const auto g = run("generate --network " + dir() + "/bf16 --outdir " + dir() + "/bf16_gen --seeds 0-1 --steps 2 --device cpu");
  EXPECT_EQ(g.status, 0) << g.err;
  expect_one_line_error(run("train --data " + data + " --outdir " + dir() + "/fp16 --amp fp16" + kSmall), "[--amp]");
  EXPECT_FALSE(exists(dir() + "/fp16"));
}

// generate's --channels_last is a layout, not another network: the images agree with NCHW's to a
// grey level; --amp bf16 runs on the CPU, and fp16 there is a one-line error with no output.
TEST(ImageCli, GenerateLayoutAndPrecision) {
  const std::string data = make_idx_dir(), run_dir = dir() + "/gen_flags_run";
  ASSERT_EQ(run("train --data " + data + " --outdir " + run_dir + " --amp fp32 --channels_last 0" + kSmall).status, 0);
  const auto gen = [&](const std::string& name, const std::string& flags) {
    return run("generate --network " + run_dir + " --outdir " + dir() + "/" + name + " --seeds 0-3 --steps 3 " +
               "--device cpu --npz " + dir() + "/" + name + ".npz " + flags);
  };
  for (const auto& [name, flags] : std::vector<std::pair<std::string, std::string>>{
           {"nchw", ""}, {"nhwc", "--channels_last 1"}, {"bf16", "--channels_last 1 --amp bf16"}}) {
    const auto g = gen(name, flags);
    ASSERT_EQ(g.status, 0) << name << ": " << g.err;
  }
  const auto x = pfgm::io::read_npz(dir() + "/nchw.npz")[0].second.to(torch::kInt32);
  const auto y = pfgm::io::read_npz(dir() + "/nhwc.npz")[0].second.to(torch::kInt32);
  const auto z = pfgm::io::read_npz(dir() + "/bf16.npz")[0].second.to(torch::kInt32);
  EXPECT_LE((x - y).abs().max().item<int>(), 1);
  EXPECT_EQ(z.sizes(), x.sizes());
  expect_one_line_error(gen("fp16", "--amp fp16"), "[--amp]");
  EXPECT_FALSE(exists(dir() + "/fp16"));
}
