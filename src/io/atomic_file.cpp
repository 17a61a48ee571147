#include "pfgm/io/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <unistd.h>

#include "pfgm/core/error.h"

namespace pfgm::io {

std::string temporary_path(const std::string& path) {
  return path + ".tmp-" + std::to_string(::getpid());
}

void commit_file(const std::string& tmp, const std::string& path) {
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    throw Error("[io] " + path + ": cannot write (" + std::strerror(err) + ")");
  }
}

void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const std::string tmp = temporary_path(path);
  try {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    PFGM_CHECK(out.good(), "[io] ", path, ": cannot open for writing (", std::strerror(errno), ")");
    write(out);
    out.flush();
    PFGM_CHECK(out.good(), "[io] ", path, ": write failed (disk full?)");
    out.close();
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  commit_file(tmp, path);
}

}  // namespace pfgm::io
