#include "pfgm/training/run_log.h"

#include <unistd.h>

#include <cstdarg>

#include "pfgm/core/error.h"

namespace pfgm::training {

RunLog::~RunLog() {
  if (file_) std::fclose(file_);
}

void RunLog::open(const std::string& path) {
  if (file_) std::fclose(file_);
  file_ = std::fopen(path.c_str(), "a");
  PFGM_CHECK(file_, "[outdir] ", path, ": cannot open for writing");
}

void RunLog::say(const char* format, ...) {
  char line[2048];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (::isatty(2)) std::fprintf(stderr, "\r\033[K");  // clear a progress line
  std::fputs(line, stdout);
  std::fflush(stdout);
  if (file_) {
    std::fputs(line, file_);
    std::fflush(file_);
  }
}

}  // namespace pfgm::training
