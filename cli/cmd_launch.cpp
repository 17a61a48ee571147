// `pfgm launch --nproc K -- COMMAND...`: K processes of this program on this machine, each with
// torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT), so that `pfgm launch --nproc 2 -- train ...` needs no Python. As torchrun: when one
// process fails, the others are stopped (SIGTERM, then SIGKILL after a grace period) and the
// launcher exits with the failed one's status; SIGINT/SIGTERM are passed on to every process.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "commands.h"
#include "pfgm/core/error.h"
#include "pfgm/distributed/process_group.h"

namespace pfgm::cli {
namespace {

struct LaunchArgs {
  int nproc = 1;
  int port = 0;
  double grace_s = 10;
  std::vector<std::string> command;
};

volatile std::sig_atomic_t g_signal = 0;
void remember(int s) { g_signal = s; }

pid_t start(const LaunchArgs& a, int rank, int port) {
  const pid_t pid = ::fork();
  PFGM_CHECK(pid >= 0, "[launch] cannot start process ", rank);
  if (pid > 0) return pid;
  for (const auto& [k, v] : {std::pair<const char*, std::string>{"RANK", std::to_string(rank)},
                             {"LOCAL_RANK", std::to_string(rank)}, {"WORLD_SIZE", std::to_string(a.nproc)},
                             {"LOCAL_WORLD_SIZE", std::to_string(a.nproc)}, {"MASTER_ADDR", "127.0.0.1"},
                             {"MASTER_PORT", std::to_string(port)}})
    ::setenv(k, v.c_str(), 1);
  std::vector<char*> argv{const_cast<char*>("pfgm")};
  for (const auto& s : a.command) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  ::execv("/proc/self/exe", argv.data());
  std::fprintf(stderr, "pfgm: error: [launch] cannot run process %d\n", rank);
  ::_exit(127);
}

void stop_all(std::vector<pid_t>& pids, double grace_s) {
  for (const pid_t p : pids)
    if (p > 0) ::kill(p, SIGTERM);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace_s);
  for (auto& p : pids) {
    while (p > 0 && ::waitpid(p, nullptr, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > end) ::kill(p, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    p = 0;
  }
}

void run_launch(const LaunchArgs& a) {
  PFGM_CHECK(!a.command.empty(), "[launch] expected a command after --, e.g. pfgm launch --nproc 2 -- train");
  const int port = a.port > 0 ? a.port : distributed::free_loopback_port();
  std::signal(SIGINT, remember);
  std::signal(SIGTERM, remember);
  std::vector<pid_t> pids;
  for (int r = 0; r < a.nproc; ++r) pids.push_back(start(a, r, port));
  int running = a.nproc, failed_rank = -1, failed_status = 0;
  while (running > 0) {
    if (g_signal) {
      for (const pid_t p : pids)
        if (p > 0) ::kill(p, g_signal);
      g_signal = 0;
    }
    int status = 0;
    const pid_t p = ::waitpid(-1, &status, WNOHANG);
    if (p <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    for (int r = 0; r < a.nproc; ++r) {
      if (pids[r] != p) continue;
      pids[r] = 0;
      --running;
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok && failed_rank < 0) {
        failed_rank = r;
        failed_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        stop_all(pids, a.grace_s);
        running = 0;
      }
    }
  }
  if (failed_rank >= 0)
    throw Error("[launch] rank " + std::to_string(failed_rank) + " of " + std::to_string(a.nproc) +
                " failed (exit status " + std::to_string(failed_status) + "); the others were stopped");
}

}  // namespace

void add_launch_command(CLI::App& app) {
  auto a = std::make_shared<LaunchArgs>();
  auto* c = app.add_subcommand("launch", "run a pfgm command in K processes on this machine (as torchrun --nproc_per_node K)");
  c->add_option("--nproc", a->nproc, "processes")->check(CLI::Range(1, 1024))->capture_default_str();
  c->add_option("--master_port", a->port, "rendezvous port on 127.0.0.1 (default: a free one)")->check(CLI::Range(1, 65535));
  c->add_option("--grace", a->grace_s, "seconds the others get to stop after one fails")->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  c->add_option("command", a->command, "the pfgm command and its flags, after --")->required();
  c->callback([a] { run_launch(*a); });
}

}  // namespace pfgm::cli
