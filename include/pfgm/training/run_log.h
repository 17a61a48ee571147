#pragma once
// A run's log: lines to stdout and, once the run directory is open, appended to its log.txt.
#include <cstdio>
#include <string>

namespace pfgm::training {

class RunLog {
 public:
  RunLog() = default;
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;
  ~RunLog();

  void open(const std::string& path);  // appends to `path` from now on
  void say(const char* format, ...) __attribute__((format(printf, 2, 3)));

 private:
  std::FILE* file_ = nullptr;
};

}  // namespace pfgm::training
