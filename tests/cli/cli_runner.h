#pragma once
// Runs the pfgm binary from tests: exit status, stdout and stderr, in a per-process scratch folder.
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test_paths.h"

namespace cli_test {

struct Result {
  int status;
  std::string out, err;
};

inline std::string dir() {
  static const std::string d = [] {
    std::string p = "/tmp/pfgm_cli_test_" + std::to_string(::getpid());
    ::mkdir(p.c_str(), 0755);
    return p;
  }();
  return d;
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs the binary; `threads` appends --threads 1 (subcommands only accept it; see one_thread.cpp).
inline Result run(const std::string& args, bool threads = true) {
  const std::string out = dir() + "/stdout.txt", err = dir() + "/stderr.txt";
  const std::string cmd =
      pfgm::test_paths::pfgm_binary() + " " + args + (threads ? " --threads 1" : "") + " > " + out + " 2> " + err;
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(out), slurp(err)};
}

inline bool exists(const std::string& p) {
  struct stat s;
  return ::stat(p.c_str(), &s) == 0;
}

inline void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

inline int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

inline void expect_one_line_error(const Result& r, const std::string& needle) {
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}
// The entries of a folder (no dot files), sorted.
inline std::vector<std::string> files_in(const std::string& d) {
  std::vector<std::string> names;
  if (DIR* dp = ::opendir(d.c_str())) {
    while (dirent* e = ::readdir(dp))
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    ::closedir(dp);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Runs the binary with `args` in the background, sends it SIGINT as soon as `ready()` holds (asked
// every 100 ms, for at most a minute) and waits for it to end.
inline Result run_and_interrupt(const std::string& args, const std::function<bool()>& ready) {
  const std::string out = dir() + "/int.out", err = dir() + "/int.err";
  const std::string cmd = "exec " + pfgm::test_paths::pfgm_binary() + " " + args + " > " + out + " 2> " + err;
  const pid_t pid = ::fork();
  if (pid < 0) return {-1, "", "fork failed"};
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 600 && !ready(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

}  // namespace cli_test
