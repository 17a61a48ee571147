#pragma once
// Small datasets written by the tests: PNG folders and zips (EDM format), CIFAR-10 binary batches
// and tar.gz archives (libarchive), all under a fresh scratch folder.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/io/png.h"
#include "pfgm/io/zip.h"

namespace fixtures {

// A new empty folder under the test temp dir.
inline std::string fresh_dir(const std::string& name) {
  static int counter = 0;
  const std::string d = ::testing::TempDir() + "pfgm_data_" + std::to_string(::getpid()) + "_" +
                        std::to_string(counter++) + "_" + name;
  ::mkdir(d.c_str(), 0755);
  return d;
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1))
    ::mkdir(path.substr(0, slash).c_str(), 0755);
  std::ofstream(path, std::ios::binary) << bytes;
}

// Image i of a deterministic family: value (i·37 + y·5 + x·3 + c·11) mod 256.
inline torch::Tensor pattern(int i, int C, int H, int W) {
  auto t = torch::empty({C, H, W}, torch::kUInt8);
  auto a = t.accessor<uint8_t, 3>();
  for (int c = 0; c < C; ++c)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) a[c][y][x] = static_cast<uint8_t>((i * 37 + y * 5 + x * 3 + c * 11) % 256);
  return t;
}

inline std::string png(int i, int C, int H, int W) { return pfgm::io::encode_png(pattern(i, C, H, W)); }

// Writes name → bytes pairs into a zip.
inline void write_zip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members) {
  pfgm::io::ZipWriter w(path);
  for (const auto& [name, bytes] : members) w.add(name, bytes);
  w.close();
}

// Writes name → bytes pairs into a .tar.gz.
inline void write_tar_gz(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const auto& [name, bytes] : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, bytes.data(), bytes.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

// n CIFAR-10 records: label (first + k) % 10, pixels pattern(first + k, 3, 32, 32).
inline std::string cifar_batch(int first, int n) {
  std::string s;
  for (int k = 0; k < n; ++k) {
    s.push_back(static_cast<char>((first + k) % 10));
    const auto p = pattern(first + k, 3, 32, 32);
    s.append(reinterpret_cast<const char*>(p.data_ptr<uint8_t>()), 3 * 32 * 32);
  }
  return s;
}

// The message of the pfgm::Error `f` throws ("" when it throws none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const pfgm::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace fixtures
