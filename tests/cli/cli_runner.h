#pragma once
// Runs the pfgm binary from tests: exit status, stdout and stderr, in a per-process scratch folder.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

// Runs the binary; `threads` appends --threads 2 (subcommands only accept it).
inline Result run(const std::string& args, bool threads = true) {
  const std::string out = dir() + "/stdout.txt", err = dir() + "/stderr.txt";
  const std::string cmd =
      std::string(PFGM_BINARY) + " " + args + (threads ? " --threads 2" : "") + " > " + out + " 2> " + err;
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
}  // namespace cli_test
