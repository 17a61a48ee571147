#include "pfgm/io/output_folder.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "pfgm/core/error.h"

namespace pfgm::io {

void make_output_folder(const std::string& path, const std::string& flag) {
  PFGM_CHECK(!path.empty(), "[", flag, "] expected a folder name, got an empty one");
  for (size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    const std::string part = path.substr(0, end);
    struct stat s;
    if (::stat(part.c_str(), &s) == 0) {
      PFGM_CHECK(S_ISDIR(s.st_mode), "[", flag, "] ", path, ": cannot create the folder (", part, " is not a folder)");
    } else {
      PFGM_CHECK(::mkdir(part.c_str(), 0755) == 0 || errno == EEXIST, "[", flag, "] ", path,
                 ": cannot create the folder (", part, ": ", std::strerror(errno), ")");
    }
    if (end == std::string::npos) return;
  }
}

}  // namespace pfgm::io
