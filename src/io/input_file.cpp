#include "pfgm/io/input_file.h"

#include <sys/stat.h>

#include "pfgm/core/error.h"

namespace pfgm::io {

void check_input_file(const std::string& path, const std::string& where) {
  struct stat s;
  PFGM_CHECK(!path.empty(), "[", where, "] expected a file name, got an empty one");
  PFGM_CHECK(::stat(path.c_str(), &s) == 0, "[", where, "] ", path, ": no such file");
  PFGM_CHECK(!S_ISDIR(s.st_mode), "[", where, "] ", path, ": is a folder, expected a file");
  PFGM_CHECK(S_ISREG(s.st_mode), "[", where, "] ", path, ": not a regular file (a pipe, socket or device)");
}

}  // namespace pfgm::io
