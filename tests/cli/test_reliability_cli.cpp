// Failed writes and unusable output folders: with the file-size limit (RLIMIT_FSIZE, `ulimit -f`)
// standing in for a full disk, train, generate, dataset and fid ref exit non-zero with one line
// naming the file, leave no partial or temporary file, and a run's previous state still loads.
// Resuming from a run directory takes its newest state that loads, and --keep prunes old states.
#include <gtest/gtest.h>

#include <fstream>

#include "pfgm/io/safetensors.h"

#include "cli/cli_runner.h"
#include "cli/idx_fixture.h"
#include "test_paths.h"

using namespace cli_test;

namespace {
const std::string kSmall =
    " --nosubdir --cbase 8 --cres 1,2 --nblock 1 --batch 4 --grid 4 --steps 2 --device cpu --fd 0 --threads 1";

// Runs pfgm with writes limited to `bytes` per file (the shell's ulimit -f counts 512-byte blocks).
Result run_limited(const std::string& args, int64_t bytes) {
  const std::string out = dir() + "/stdout.txt", err = dir() + "/stderr.txt";
  const std::string cmd = "ulimit -f " + std::to_string(bytes / 512) + "; " + pfgm::test_paths::pfgm_binary() + " " +
                          args + " > " + out + " 2> " + err;
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(out), slurp(err)};
}

bool has_temporary(const std::string& folder) {
  for (const auto& f : files_in(folder))
    if (f.find(".tmp-") != std::string::npos) return true;
  return false;
}

bool loads(const std::string& path) {
  try {
    pfgm::io::read_safetensors(path);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}
}  // namespace

TEST(ReliabilityCli, TrainingStateWriteFailureKeepsThePreviousState) {
  const std::string data = make_idx_dir(), run_dir = dir() + "/full_disk_run";
  ASSERT_EQ(run("train --data " + data + " --outdir " + run_dir + " --duration 0.000008" + kSmall, false).status, 0);
  const std::string state = run_dir + "/training-state-000000.safetensors";
  const auto before = slurp(state);
  ASSERT_FALSE(before.empty());
  // Continue the run with room for the log and options but not for a snapshot.
  const auto r = run_limited("train --data " + data + " --outdir " + run_dir + " --duration 0.000016 --resume " +
                                 run_dir + kSmall,
                             64 * 1024);
  expect_one_line_error(r, "network-snapshot-000000.safetensors");
  EXPECT_NE(r.err.find("write failed"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(state), before) << "the previous state changed";
  EXPECT_TRUE(loads(state));
  EXPECT_TRUE(loads(run_dir + "/network-snapshot-000000.safetensors"));
  EXPECT_FALSE(has_temporary(run_dir));
}

TEST(ReliabilityCli, GenerateDatasetAndFidRefReportFailedWrites) {
  const std::string data = make_idx_dir(), run_dir = dir() + "/full_disk_gen";
  ASSERT_EQ(run("train --data " + data + " --outdir " + run_dir + " --duration 0.000004" + kSmall, false).status, 0);
  const std::string out = dir() + "/full_disk_images";
  auto r = run_limited("generate --network " + run_dir + "/network-snapshot-000000.safetensors --seeds 0-3 --steps 2 "
                       "--outdir " + out + " --device cpu --threads 1",
                       512);
  expect_one_line_error(r, out);
  EXPECT_FALSE(has_temporary(out));
  for (const auto& f : files_in(out)) EXPECT_TRUE(f.find(".png") == std::string::npos || slurp(out + "/" + f).size() > 0);

  const std::string zip = dir() + "/full_disk.zip";
  r = run_limited("dataset --source " + data + " --dest " + zip, 4096);
  expect_one_line_error(r, zip);
  EXPECT_FALSE(exists(zip));
  EXPECT_FALSE(has_temporary(dir()));

  const std::string ref = dir() + "/full_disk_ref.npz";
  r = run_limited("fid ref --data " + data + " --dest " + ref + " --detector " + pfgm::test_paths::fixtures_dir() +
                      "/eval/tiny_detector.pt --features 1 --batch 16 --threads 1",
                  512);
  expect_one_line_error(r, ref);
  EXPECT_FALSE(exists(ref));
  EXPECT_FALSE(has_temporary(dir()));
}

TEST(ReliabilityCli, UncreatableOutputFoldersAreOneLineErrors) {
  const std::string file = dir() + "/a_file";
  write(file, "x");
  const std::string data = make_idx_dir();
  auto r = run("train --data " + data + " --outdir " + file + "/run" + kSmall + " --duration 0.000004", false);
  expect_one_line_error(r, "--outdir");
  EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
  EXPECT_EQ(r.status, 1);
  r = run("toy train --iters 2 --outdir " + file + "/toy --no-plots");
  expect_one_line_error(r, "--outdir");
  EXPECT_EQ(r.status, 1);
}

TEST(ReliabilityCli, ResumeFromARunDirectoryFallsBackPastADamagedState) {
  const std::string run_dir = dir() + "/toy_states";
  const std::string args = "toy train --data heart --n_train 500 --batch 32 --hidden 16 --blocks 1 --dump 1 "
                           "--no-plots --repeats 1 --num 64 --device cpu --outdir " + run_dir;
  ASSERT_EQ(run(args + " --iters 80 --keep 3").status, 0);
  auto states = files_in(run_dir);
  states.erase(std::remove_if(states.begin(), states.end(),
                              [](const std::string& f) { return f.rfind("training-state-", 0) != 0; }),
               states.end());
  ASSERT_EQ(states.size(), 3u) << "--keep 3 keeps the newest three states";
  // Damage the newest state and leave a stale temporary file of a killed writer (pid 1 is not ours,
  // so use one that cannot be alive).
  const std::string newest = run_dir + "/" + states.back(), stale = newest + ".tmp-999999999";
  write(stale, "partial");
  { std::ofstream(newest, std::ios::binary | std::ios::trunc) << "garbage"; }
  const auto r = run(args + " --iters 100 --resume " + run_dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("skipping " + newest), std::string::npos) << r.err;
  EXPECT_FALSE(exists(stale)) << "a stale temporary file survived the resume";
  EXPECT_TRUE(loads(newest)) << "the damaged state was not written again";
}
