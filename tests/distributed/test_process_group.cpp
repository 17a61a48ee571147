// The process group over Gloo on the loopback, two forked ranks: every collective pfgm uses gives
// the exact result (this also guards the gloo declarations pfgm compiles against: a layout that
// differed from the wheel's gloo would break them), wait_for lets one rank work past the timeout,
// and a rank that dies while the other waits for it is named.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <array>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "pfgm/core/error.h"
#include "pfgm/distributed/process_group.h"
#include "cli/cli_runner.h"

namespace {

// Runs `body(group)` in two forked ranks; a rank's exit status is 0 when body returned true, 1 when
// false, 2 on an exception (its message written to `<dir>/rank<r>.txt`). Returns both statuses.
std::array<int, 2> two_ranks(double timeout_s, const std::function<bool(pfgm::distributed::ProcessGroup&)>& body,
                             const std::string& tag) {
  const std::string base = cli_test::dir() + "/" + tag;  // made before the fork
  pfgm::distributed::World w;
  w.size = 2;
  w.master_port = pfgm::distributed::free_loopback_port();
  pfgm::distributed::GroupOptions o;
  o.timeout_s = timeout_s;
  pid_t pids[2];
  for (int rank = 0; rank < 2; ++rank) {
    pids[rank] = ::fork();
    if (pids[rank] == 0) {
      ::alarm(120);  // a child that hangs dies (the parent waits for it without a deadline)
      w.rank = w.local_rank = rank;
      int code = 2;
      try {
        pfgm::distributed::ProcessGroup group(w, o);
        code = body(group) ? 0 : 1;
      } catch (const std::exception& e) {
        std::ofstream(base + "_rank" + std::to_string(rank) + ".txt") << e.what();
      }
      ::_exit(code);
    }
  }
  std::array<int, 2> codes{};
  for (int rank = 0; rank < 2; ++rank) {
    int status = 0;
    ::waitpid(pids[rank], &status, 0);
    codes[rank] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  return codes;
}

std::string message(const std::string& tag, int rank) {
  return cli_test::slurp(cli_test::dir() + "/" + tag + "_rank" + std::to_string(rank) + ".txt");
}

}  // namespace

TEST(ProcessGroup, CollectivesGiveExactResults) {
  const auto codes = two_ranks(30, [](pfgm::distributed::ProcessGroup& g) {
    const double r = g.rank();
    auto sum = torch::tensor({1.0 + r, 1e-17 * r, -3.0 * r}, torch::kFloat64);
    g.allreduce_sum(sum);
    auto big = torch::arange(30000, torch::kFloat32) * (r + 1);  // small enough for one thread after the fork
    g.allreduce_sum(big);
    auto b = g.rank() == 1 ? torch::tensor({7, 8, 9}, torch::kInt64) : torch::zeros({3}, torch::kInt64);
    g.broadcast(b, 1);
    const auto all = g.allgather(torch::full({2, 2}, r, torch::kFloat32));
    g.barrier();
    return torch::equal(sum, torch::tensor({3.0, 1e-17, -3.0}, torch::kFloat64)) &&
           torch::equal(big, torch::arange(30000, torch::kFloat32) * 3) &&
           torch::equal(b, torch::tensor({7, 8, 9}, torch::kInt64)) && all.size() == 2 &&
           torch::equal(all[0], torch::zeros({2, 2})) && torch::equal(all[1], torch::ones({2, 2}));
  }, "collectives");
  EXPECT_EQ(codes[0], 0) << message("collectives", 0);
  EXPECT_EQ(codes[1], 0) << message("collectives", 1);
}

// Rank 0 works 2.5 times the timeout before the others go on; collectives after it still work.
TEST(ProcessGroup, WaitForOutlastsTheTimeoutWhileTheRootBeats) {
  const auto codes = two_ranks(2, [](pfgm::distributed::ProcessGroup& g) {
    if (g.rank() == 0) std::this_thread::sleep_for(std::chrono::seconds(5));
    g.wait_for(0, "a long piece of work");
    auto x = torch::ones({1});
    g.allreduce_sum(x);
    return x.item<float>() == 2;
  }, "wait");
  EXPECT_EQ(codes[0], 0) << message("wait", 0);
  EXPECT_EQ(codes[1], 0) << message("wait", 1);
}

// Rank `root` dies a second into a piece of work the other waits for; the other names it within
// seconds, in one line (no stack trace). Returns the waiting rank's message.
std::string wait_for_a_dying_root(int root) {
  const std::string tag = "died" + std::to_string(root);
  const auto t0 = std::chrono::steady_clock::now();
  const auto codes = two_ranks(300, [root](pfgm::distributed::ProcessGroup& g) {
    if (g.rank() == root) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      ::_exit(3);
    }
    g.wait_for(root, "a piece of work");
    return true;
  }, tag);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int other = 1 - root;
  EXPECT_EQ(codes[root], 3);
  EXPECT_EQ(codes[other], 2);
  EXPECT_LT(seconds, 30.0);
  const auto m = message(tag, other);
  EXPECT_NE(m.find("lost rank " + std::to_string(root)), std::string::npos) << m;
  EXPECT_NE(m.find("a piece of work"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  return m;
}

// Rank 0 hosts the store: the other finds it unreachable.
TEST(ProcessGroup, WaitForNamesARootThatDied) { wait_for_a_dying_root(0); }

// Rank 1 dies while rank 0, which hosts the store, waits: its heartbeat stops.
TEST(ProcessGroup, WaitForNamesARootWhoseHeartbeatStopped) {
  const auto m = wait_for_a_dying_root(1);
  EXPECT_NE(m.find("no heartbeat"), std::string::npos) << m;
}

namespace {
// Sets the given environment variables (and unsets the launchers' others) for one scope.
class Environment {
 public:
  explicit Environment(const std::vector<std::pair<std::string, std::string>>& vars) {
    for (const char* name : {"WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_NTASKS",
                             "SLURM_PROCID", "SLURM_LOCALID", "SLURM_LAUNCH_NODE_IPADDR", "SLURM_STEP_NUM_TASKS"}) {
      if (const char* v = std::getenv(name)) saved_.emplace_back(name, v);
      ::unsetenv(name);
      names_.push_back(name);
    }
    for (const auto& [k, v] : vars) ::setenv(k.c_str(), v.c_str(), 1);
  }
  ~Environment() {
    for (const auto& n : names_) ::unsetenv(n.c_str());
    for (const auto& [k, v] : saved_) ::setenv(k.c_str(), v.c_str(), 1);
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::pair<std::string, std::string>> saved_;
};
}  // namespace

TEST(World, FromTorchrunSlurmOrNothing) {
  {
    Environment e({});
    const auto w = pfgm::distributed::world_from_environment();
    EXPECT_FALSE(w.distributed());
    EXPECT_EQ(w.launcher, "none");
  }
  {
    Environment e({{"WORLD_SIZE", "8"}, {"RANK", "5"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "node0"}, {"MASTER_PORT", "1234"},
                   {"SLURM_NTASKS", "2"}, {"SLURM_PROCID", "0"}});  // torchrun's variables win
    const auto w = pfgm::distributed::world_from_environment();
    EXPECT_EQ(w.launcher, "torchrun");
    EXPECT_EQ(w.size, 8);
    EXPECT_EQ(w.rank, 5);
    EXPECT_EQ(w.local_rank, 1);
    EXPECT_EQ(w.master_addr, "node0");
    EXPECT_EQ(w.master_port, 1234);
  }
  {
    Environment e({{"SLURM_NTASKS", "16"}, {"SLURM_PROCID", "13"}, {"SLURM_LOCALID", "5"},
                   {"SLURM_LAUNCH_NODE_IPADDR", "10.0.0.7"}});
    const auto w = pfgm::distributed::world_from_environment();
    EXPECT_EQ(w.launcher, "slurm");
    EXPECT_EQ(w.size, 16);
    EXPECT_EQ(w.rank, 13);
    EXPECT_EQ(w.local_rank, 5);  // the device index
    EXPECT_EQ(w.master_addr, "10.0.0.7");
    EXPECT_EQ(w.master_port, 29500);
  }
  {
    Environment e({{"SLURM_NTASKS", "8"}, {"SLURM_STEP_NUM_TASKS", "2"}, {"SLURM_PROCID", "1"}});  // srun -n 2 in a job of 8
    EXPECT_EQ(pfgm::distributed::world_from_environment().size, 2);
  }
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"RANK", "2"}, {"RANK", "x"}, {"MASTER_PORT", "70000"}, {"LOCAL_RANK", "-1"}}) {
    Environment e({{"WORLD_SIZE", "2"}, {name, value}});
    try {
      pfgm::distributed::world_from_environment();
      ADD_FAILURE() << name << "=" << value << " was accepted";
    } catch (const pfgm::Error& err) {
      EXPECT_NE(std::string(err.what()).find(name + "=" + value), std::string::npos) << err.what();
    }
  }
}
