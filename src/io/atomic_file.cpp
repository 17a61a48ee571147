#include "pfgm/io/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

#include "pfgm/core/error.h"

namespace pfgm::io {

std::string temporary_path(const std::string& path) {
  return path + ".tmp-" + std::to_string(::getpid());
}

namespace {
// fsync(2) of a file or folder by name; false when it cannot be opened or synced.
bool sync_to_disk(const std::string& name, bool folder) {
  const int fd = ::open(name.c_str(), folder ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}
}  // namespace

void commit_file(const std::string& tmp, const std::string& path) {
  // Durable before visible: the data reach the disk before the rename, and the rename before we return.
  if (!sync_to_disk(tmp, false)) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw Error("[io] " + path + ": cannot write (" + std::strerror(err) + ")");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    throw Error("[io] " + path + ": cannot write (" + std::strerror(err) + ")");
  }
  sync_to_disk(folder_of(path), true);  // some file systems cannot sync folders; the rename stands
}

void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const std::string tmp = temporary_path(path);
  try {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    PFGM_CHECK(out.good(), "[io] ", path, ": cannot open for writing (", std::strerror(errno), ")");
    errno = 0;
    write(out);
    out.flush();
    const int err = errno;
    PFGM_CHECK(out.good(), "[io] ", path, ": write failed (", err ? std::strerror(err) : "disk full?", ")");
    out.close();
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  commit_file(tmp, path);
}

}  // namespace pfgm::io
