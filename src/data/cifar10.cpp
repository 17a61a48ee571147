#include "pfgm/data/cifar10.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::data {

namespace {
std::vector<std::string> split_files(bool train) {
  if (!train) return {"test_batch.bin"};
  return {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"};
}

bool exists(const std::string& p) {
  struct stat s;
  return ::stat(p.c_str(), &s) == 0;
}

std::string base_name(const std::string& p) {
  const auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

// The members of a tar(.gz) whose base names are in `wanted`, by base name.
std::map<std::string, std::string> read_members(const std::string& path, const std::vector<std::string>& wanted) {
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  PFGM_CHECK(a, "[cifar10] ", path, ": cannot create a reader");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  PFGM_CHECK(archive_read_open_filename(a.get(), path.c_str(), 1 << 16) == ARCHIVE_OK, "[cifar10] ", path,
             ": cannot open as a tar.gz (", archive_error_string(a.get()), ")");
  std::map<std::string, std::string> out;
  archive_entry* entry = nullptr;
  int r;
  while ((r = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
    const std::string name = base_name(archive_entry_pathname(entry));
    if (archive_entry_filetype(entry) != AE_IFREG || std::find(wanted.begin(), wanted.end(), name) == wanted.end())
      continue;
    std::string bytes;
    char buf[1 << 16];
    la_ssize_t n;
    while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) bytes.append(buf, static_cast<size_t>(n));
    PFGM_CHECK(n == 0, "[cifar10] ", path, ": ", archive_entry_pathname(entry), ": cannot read (",
               archive_error_string(a.get()), "); perhaps an incomplete download?");
    out[name] = std::move(bytes);
  }
  PFGM_CHECK(r == ARCHIVE_EOF, "[cifar10] ", path, ": cannot read (", archive_error_string(a.get()),
             "); perhaps an incomplete download?");
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  PFGM_CHECK(f.good(), "[cifar10] ", path, ": cannot open");
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string batch_folder(const std::string& path) {
  for (const std::string& d : {path, path + "/cifar-10-batches-bin"})
    if (exists(d + "/data_batch_1.bin") || exists(d + "/test_batch.bin")) return d;
  return "";
}
}  // namespace

bool is_cifar10_folder(const std::string& path) { return !batch_folder(path).empty(); }

ImageDataset parse_cifar10_batch(const std::string& bytes, const std::string& name) {
  const int64_t size = static_cast<int64_t>(bytes.size());
  PFGM_CHECK(size > 0 && size % kCifarRecordBytes == 0, "[cifar10] ", name, ": ", size,
             " bytes, expected a non-zero multiple of the ", kCifarRecordBytes,
             "-byte record (1 label + 3x32x32 pixels); truncated or not CIFAR-10 binary?");
  const int64_t n = size / kCifarRecordBytes;
  auto records = torch::empty({n, kCifarRecordBytes}, torch::kUInt8);
  std::memcpy(records.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  ImageDataset d;
  d.labels = records.select(1, 0).to(torch::kInt64);
  const int64_t top = d.labels.max().item<int64_t>();
  PFGM_CHECK(top <= 9, "[cifar10] ", name, ": label ", top, ", expected 0 to 9");
  d.images = records.slice(1, 1).reshape({n, 3, 32, 32}).contiguous();
  d.label_dim = 10;
  d.source = name;
  return d;
}

ImageDataset load_cifar10(const std::string& path, bool train) {
  const auto files = split_files(train);
  std::vector<torch::Tensor> images, labels;
  const std::string folder = batch_folder(path);
  std::map<std::string, std::string> members;
  if (folder.empty()) members = read_members(path, files);
  for (const auto& f : files) {
    ImageDataset part;
    if (!folder.empty()) {
      PFGM_CHECK(exists(folder + "/" + f), "[cifar10] ", folder, ": no ", f, " (the ", train ? "training" : "test",
                 " split needs ", train ? "data_batch_1.bin to data_batch_5.bin" : "test_batch.bin", ")");
      part = parse_cifar10_batch(read_file(folder + "/" + f), folder + "/" + f);
    } else {
      const auto it = members.find(f);
      PFGM_CHECK(it != members.end(), "[cifar10] ", path, ": no ", f, " in the archive (expected cifar-10-binary.tar.gz)");
      part = parse_cifar10_batch(it->second, path + ":" + f);
      members.erase(it);
    }
    images.push_back(part.images);
    labels.push_back(part.labels);
  }
  ImageDataset d;
  d.images = torch::cat(images);
  d.labels = torch::cat(labels);
  d.label_dim = 10;
  d.source = path;
  return d;
}

}  // namespace pfgm::data
