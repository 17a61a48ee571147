// Several processes over Gloo on the loopback: data-parallel training averages the gradients of one
// process and resumes with any number of processes; `generate` writes the same PNGs, grid and npz,
// and `fid` the same statistics, as one process; a rank killed mid-run makes the other fail within
// the timeout with a message naming it; a failing rank makes the launcher stop the others.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "pfgm/distributed/process_group.h"
#include "pfgm/eval/fid_reference.h"
#include "pfgm/io/safetensors.h"

#include "cli/cli_runner.h"
#include "cli/idx_fixture.h"
#include "test_paths.h"

using namespace cli_test;

namespace {
const std::string kSmall =
    " --nosubdir --cbase 8 --cres 1,2 --nblock 1 --duration 0.000004 --batch 4 --grid 1 --steps 2 --device cpu --fd 0";

std::string trained_network() {
  static const std::string run_dir = [] {
    const std::string d = dir() + "/dist_net";
    EXPECT_EQ(run("train --data " + make_idx_dir() + " --outdir " + d + kSmall).status, 0);
    return d;
  }();
  return run_dir;
}

}  // namespace

// The largest |a − b| / max|a| over a training state's tensors whose names start with `prefix`.
double relative_difference(const std::string& a_path, const std::string& b_path, const std::string& prefix,
                           const std::string& suffix = "") {
  const auto a = pfgm::io::read_safetensors(a_path), b = pfgm::io::read_safetensors(b_path);
  double worst = 0;
  int compared = 0;
  for (const auto& [name, t] : a.tensors) {
    if (name.rfind(prefix, 0) != 0 || name.size() < suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const auto x = t.to(torch::kFloat64), y = b.at(name).to(torch::kFloat64);
    worst = std::max(worst, ((x - y).abs().max() / (x.abs().max() + 1e-30)).item<double>());
    ++compared;
  }
  EXPECT_GT(compared, 0) << prefix;
  return worst;
}

// 2 processes × batch B/2 (with and without accumulation rounds, with and without augmentation)
// average the same gradients at step 1 as 1 process with batch B (Adam's first moment is
// (1 − β1)·g), and end at the same weights after 3 steps. In float32 and without dropout: bf16
// kernels round differently for other batch sizes (~0.5%), and dropout masks come from each
// process's own generator.
TEST(DistributedCli, TwoProcessesTrainAsOne) {
  const std::string data = make_idx_dir();
  const std::string opts = " --data " + data + " --nosubdir --cbase 8 --cres 1,2 --nblock 1 --batch 8 --grid 1 "
                           "--steps 2 --fd 0 --device cpu --tick 0.008 --dump 1 --snap 1 --dropout 0 --amp fp32";
  const std::string state = "/training-state-000000.safetensors";
  for (const std::string augment : {"0.5", "0"}) {
    const std::string o = opts + " --augment " + augment, d = dir() + "/ddp_aug" + augment;
    const std::string one = d + "_one", two = d + "_two", acc = d + "_acc";
    ASSERT_EQ(run("train" + o + " --duration 0.000024 --outdir " + one).status, 0);
    auto r = run("launch --nproc 2 -- train" + o + " --duration 0.000024 --outdir " + two + " --threads 1", false);
    ASSERT_EQ(r.status, 0) << r.err;
    r = run("launch --nproc 2 -- train" + o + " --duration 0.000024 --batch-gpu 2 --outdir " + acc + " --threads 1", false);
    ASSERT_EQ(r.status, 0) << r.err;
    // Step 1: the averaged gradients.
    const std::string one1 = d + "_one1", two1 = d + "_two1";
    ASSERT_EQ(run("train" + o + " --duration 0.000008 --outdir " + one1).status, 0);
    r = run("launch --nproc 2 -- train" + o + " --duration 0.000008 --batch-gpu 2 --outdir " + two1 + " --threads 1", false);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_LT(relative_difference(one1 + state, two1 + state, "adam.", ".exp_avg"), 1e-5) << "--augment " << augment;
    // Step 3: the weights.
    for (const auto& other : {two, acc}) {
      EXPECT_LT(relative_difference(one + state, other + state, "net."), 1e-4) << other;
      EXPECT_LT(relative_difference(one + state, other + state, "ema."), 1e-4) << other;
    }
    EXPECT_TRUE(exists(two + "/stats.jsonl"));
    EXPECT_EQ(lines(slurp(two + "/stats.jsonl")), lines(slurp(one + "/stats.jsonl")));
  }
}

TEST(DistributedCli, GenerateOverTwoProcessesEqualsOne) {
  const std::string net = trained_network(), one = dir() + "/dist_one", two = dir() + "/dist_two";
  const std::string args = " --network " + net + " --seeds 0-10 --batch 2 --steps 3 --device cpu";
  ASSERT_EQ(run("generate" + args + " --outdir " + one + " --npz " + one + ".npz").status, 0);
  const auto r = run("launch --nproc 2 -- generate" + args + " --outdir " + two + " --npz " + two + ".npz --threads 1", false);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto names = files_in(one);
  ASSERT_EQ(names.size(), 12u);  // 11 seeds and the grid
  EXPECT_EQ(files_in(two), names);
  for (const auto& f : names) EXPECT_TRUE(slurp(one + "/" + f) == slurp(two + "/" + f)) << f;
  EXPECT_TRUE(slurp(one + ".npz") == slurp(two + ".npz")) << "the npz files differ";
}

// The same under SLURM's variables alone (srun's, with the rendezvous at SLURM_LAUNCH_NODE_IPADDR).
TEST(DistributedCli, GenerateUnderSlurmEqualsOne) {
  const std::string net = trained_network(), one = dir() + "/slurm_one", two = dir() + "/slurm_two";
  const std::string args = " generate --network " + net + " --seeds 0-6 --batch 2 --steps 3 --device cpu --threads 1";
  ASSERT_EQ(run(args + " --outdir " + one, false).status, 0);
  std::string cmd = "port=" + std::to_string(pfgm::distributed::free_loopback_port()) + "; rank() { env -u WORLD_SIZE -u RANK -u LOCAL_RANK -u MASTER_ADDR "
                    "-u SLURM_STEP_NUM_TASKS "
                    "SLURM_NTASKS=2 SLURM_PROCID=$1 SLURM_LOCALID=$1 SLURM_LAUNCH_NODE_IPADDR=127.0.0.1 MASTER_PORT=$port " +
                    pfgm::test_paths::pfgm_binary() + args + " --outdir " + two + " > " + dir() + "/slurm_$1.out 2> " + dir() + "/slurm_$1.txt; }; " +
                    "rank 0 & p=$!; rank 1; r1=$?; wait $p; exit $(( $? | r1 ))";
  const int rc = std::system(("bash -c '" + cmd + "'").c_str());
  EXPECT_EQ(rc, 0) << slurp(dir() + "/slurm_0.txt") << slurp(dir() + "/slurm_1.txt");
  EXPECT_NE(slurp(dir() + "/slurm_0.out").find("7 images from"), std::string::npos);
  EXPECT_NE(slurp(dir() + "/slurm_0.out").find("by 2 processes"), std::string::npos);
  EXPECT_EQ(slurp(dir() + "/slurm_1.out"), "");  // rank 1 does its share and reports nothing
  const auto names = files_in(one);
  ASSERT_EQ(names.size(), 8u);  // 7 seeds and the grid
  EXPECT_EQ(files_in(two), names);
  for (const auto& f : names) EXPECT_TRUE(slurp(one + "/" + f) == slurp(two + "/" + f)) << f;
}

TEST(DistributedCli, AKilledRankIsNamedByTheOtherWithinTheTimeout) {
  const std::string net = trained_network();
  const int port = pfgm::distributed::free_loopback_port();
  pid_t pids[2];
  const auto t0 = std::chrono::steady_clock::now();
  for (int rank = 0; rank < 2; ++rank) {
    pids[rank] = ::fork();
    if (pids[rank] == 0) {
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", "2", 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      const std::string err = dir() + "/dist_kill_" + std::to_string(rank) + ".txt";
      ::freopen(err.c_str(), "w", stderr);
      ::freopen("/dev/null", "w", stdout);
      // Rank 1 has far more work (steps) than it finishes before the kill.
      const std::string steps = rank == 0 ? "2" : "400";
      ::execl(pfgm::test_paths::pfgm_binary().c_str(), "pfgm", "generate", "--network", net.c_str(), "--outdir",
              (dir() + "/dist_kill").c_str(), "--seeds", "0-7", "--batch", "4", "--steps", steps.c_str(), "--device",
              "cpu", "--threads", "1", "--dist-timeout", "30", nullptr);
      ::_exit(127);
    }
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ::kill(pids[1], SIGKILL);
  int status = 0;
  ::waitpid(pids[1], &status, 0);
  ::waitpid(pids[0], &status, 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string err = slurp(dir() + "/dist_kill_0.txt");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << err;
  EXPECT_NE(err.find("lost rank 1"), std::string::npos) << err;
  EXPECT_EQ(lines(err), 1) << err;
  EXPECT_LT(seconds, 30.0) << "rank 0 waited past --dist-timeout";
}

TEST(DistributedCli, LaunchStopsTheOthersWhenOneFails) {
  const auto r = run("launch --nproc 2 -- generate --network " + dir() + "/no_such.safetensors --outdir " + dir() +
                         "/dist_fail --seeds 0-3",
                     false);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("[launch] rank"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no_such.safetensors"), std::string::npos) << r.err;
}

// A command that does not split its work is refused under a launcher rather than run twice.
TEST(DistributedCli, CommandsThatRunInOneProcessAreRefusedUnderALauncher) {
  const auto r = run("launch --nproc 2 -- toy --outdir " + dir() + "/dist_toy", false);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("pfgm toy runs in one process"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(dir() + "/dist_toy"));
}

// A 2-process run resumed from its state (with --resume RUN_DIR) ends byte-identical to a straight
// one; a 1-process state continues in 2 processes.
TEST(DistributedCli, ResumeWithTheSameOrAnotherNumberOfProcesses) {
  const std::string opts = " --data " + make_idx_dir() + " --nosubdir --cbase 8 --cres 1,2 --nblock 1 --batch 8 "
                           "--grid 1 --steps 2 --fd 0 --device cpu --amp fp32 --tick 0.008 --dump 1 --snap 1";
  const std::string straight = dir() + "/ddp_straight", resumed = dir() + "/ddp_resumed", from_one = dir() + "/ddp_from_one";
  const std::string launch = "launch --nproc 2 -- train --threads 1" + opts;
  ASSERT_EQ(run(launch + " --duration 0.000024 --outdir " + straight, false).status, 0);
  ASSERT_EQ(run(launch + " --duration 0.000008 --outdir " + resumed, false).status, 0);
  auto r = run(launch + " --duration 0.000024 --resume " + resumed, false);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string state = "/training-state-000000.safetensors", snap = "/network-snapshot-000000.safetensors";
  EXPECT_TRUE(slurp(straight + state) == slurp(resumed + state)) << "the resumed 2-process run differs";
  EXPECT_TRUE(slurp(straight + snap) == slurp(resumed + snap));
  ASSERT_EQ(run("train" + opts + " --duration 0.000008 --outdir " + from_one).status, 0);
  r = run(launch + " --duration 0.000024 --resume " + from_one, false);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_LT(relative_difference(straight + state, from_one + state, "net."), 1e-4);
}

// fid ref in 2 processes: the same statistics (and feature rows, in image order) as in one, and fid
// calc the same distance.
TEST(DistributedCli, FidStatisticsOverTwoProcessesEqualOne) {
  const std::string data = make_idx_dir(), detector = pfgm::test_paths::fixtures_dir() + "/eval/tiny_detector.pt";
  const std::string one = dir() + "/dist_ref_one.npz", two = dir() + "/dist_ref_two.npz";
  const std::string args = "fid ref --data " + data + " --detector " + detector + " --features 1 --batch 6 --threads 1";
  ASSERT_EQ(run(args + " --dest " + one, false).status, 0);
  const auto r = run("launch --nproc 2 -- " + args + " --dest " + two, false);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto a = pfgm::eval::read_fid_reference(one), b = pfgm::eval::read_fid_reference(two);
  auto rel = [](const torch::Tensor& x, const torch::Tensor& y) {
    return ((x - y).abs().max() / x.abs().max()).item<double>();
  };
  EXPECT_LT(rel(a.stats.mu, b.stats.mu), 1e-10);
  EXPECT_LT(rel(a.stats.sigma, b.stats.sigma), 1e-10);
  EXPECT_TRUE(torch::equal(a.features, b.features));
  const std::string calc = "fid calc --images " + data + " --ref " + one + " --detector " + detector +
                           " --num 40 --batch 6 --json --threads 1";
  const auto c1 = run(calc, false), c2 = run("launch --nproc 2 -- " + calc, false);
  ASSERT_EQ(c2.status, 0) << c2.err;
  const double f1 = nlohmann::json::parse(c1.out)["fid"].get<double>(), f2 = nlohmann::json::parse(c2.out)["fid"].get<double>();
  EXPECT_NEAR(f1, f2, 1e-10 * std::max(1.0, std::abs(f1)));
}

// The quality report after a 2-process run: rank 0 trains the classifier while rank 1 waits, then
// both share the detector passes. Against one process (one thread each, so the classifiers are the
// same file): the training set's statistics within 1e-10, and so the held-out floor within 1e-6
// (12 images: singular covariances, whose square root turns a rounding ε into √ε); the samples'
// distance close (the two runs' weights agree to ~1e-5, not bit for bit).
TEST(DistributedCli, QualityReportOverTwoProcessesEqualsOne) {
  const std::string opts = " --data " + make_idx_dir() + kSmall + " --fd 12 --threads 1 --dist-timeout 60";
  const std::string one = dir() + "/dist_report_one", two = dir() + "/dist_report_two";
  ASSERT_EQ(run("train" + opts + " --outdir " + one, false).status, 0);
  const auto r = run("launch --nproc 2 -- train" + opts + " --outdir " + two, false);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string classifier = "/classifier-idx.safetensors";
  ASSERT_TRUE(exists(two + classifier)) << r.out;
  const auto trained = r.out.find("training the feature classifier");  // by rank 0 alone
  EXPECT_NE(trained, std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("training the feature classifier", trained + 1), std::string::npos) << r.out;
  EXPECT_TRUE(slurp(one + classifier) == slurp(two + classifier));
  const auto a = pfgm::eval::read_fid_reference(one + "/fd-reference.npz");
  const auto b = pfgm::eval::read_fid_reference(two + "/fd-reference.npz");
  EXPECT_LT(((a.stats.mu - b.stats.mu).abs().max() / a.stats.mu.abs().max()).item<double>(), 1e-10);
  EXPECT_LT(((a.stats.sigma - b.stats.sigma).abs().max() / a.stats.sigma.abs().max()).item<double>(), 1e-10);
  const auto q1 = nlohmann::json::parse(slurp(one + "/quality.json")), q2 = nlohmann::json::parse(slurp(two + "/quality.json"));
  EXPECT_EQ(q2["count"], 12);
  EXPECT_NEAR(q1["fd_floor"].get<double>(), q2["fd_floor"].get<double>(), 1e-6 * q1["fd_floor"].get<double>());
  EXPECT_EQ(q1["confident_floor"], q2["confident_floor"]);
  EXPECT_NEAR(q1["fd"].get<double>(), q2["fd"].get<double>(), 0.01 * q1["fd"].get<double>());
}
