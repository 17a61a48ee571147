#include "pfgm/data/dataset_tool.h"

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/core/text.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/data/image_folder.h"
#include "pfgm/io/png.h"
#include "pfgm/io/zip.h"

namespace pfgm::data {

namespace {
bool is_dir(const std::string& p) {
  struct stat s;
  return ::stat(p.c_str(), &s) == 0 && S_ISDIR(s.st_mode);
}

bool exists(const std::string& p) {
  struct stat s;
  return ::lstat(p.c_str(), &s) == 0;
}

bool is_empty_dir(const std::string& p) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(p.c_str()), ::closedir);
  if (!d) return false;
  while (const dirent* e = ::readdir(d.get()))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) return false;
  return true;
}

int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }

// Removes a folder tree (not std::filesystem::remove_all, see the build notes).
void remove_tree(const std::string& p) { ::nftw(p.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

std::string parent_of(const std::string& p) {
  const auto slash = p.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : p.substr(0, slash);
}

// The output, a STORED zip or a folder, built beside dest and renamed onto it by commit().
class DatasetWriter {
 public:
  explicit DatasetWriter(const std::string& dest) : dest_(dest) {
    PFGM_CHECK(is_dir(parent_of(dest)), "[dest] ", dest, ": the folder ", parent_of(dest), " does not exist");
    if (core::ends_with(dest, ".zip")) {
      PFGM_CHECK(!is_dir(dest), "[dest] ", dest, " is a folder, expected a .zip file name");
      zip_ = std::make_unique<io::ZipWriter>(dest);  // libzip writes a temporary file and renames it
      return;
    }
    PFGM_CHECK(!exists(dest) || (is_dir(dest) && is_empty_dir(dest)), "[dest] ", dest,
               " exists, expected a .zip name or a missing or empty folder");
    tmp_ = dest + ".tmp-" + std::to_string(::getpid());
    remove_tree(tmp_);
    PFGM_CHECK(::mkdir(tmp_.c_str(), 0755) == 0, "[dest] ", tmp_, ": cannot create (", std::strerror(errno), ")");
  }
  ~DatasetWriter() {
    if (!committed_ && !tmp_.empty()) remove_tree(tmp_);
  }

  void add(const std::string& name, const std::string& bytes) {
    if (zip_) return zip_->add(name, bytes);
    for (size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
      const std::string dir = tmp_ + "/" + name.substr(0, slash);
      PFGM_CHECK(::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST, "[dest] ", dir, ": cannot create (",
                 std::strerror(errno), ")");
    }
    std::ofstream f(tmp_ + "/" + name, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.close();
    PFGM_CHECK(f.good(), "[dest] ", tmp_, "/", name, ": write failed (disk full?)");
  }

  void commit() {
    if (zip_) {
      zip_->close();
    } else {
      PFGM_CHECK(std::rename(tmp_.c_str(), dest_.c_str()) == 0, "[dest] ", dest_, ": cannot rename ", tmp_,
                 " to it (", std::strerror(errno), ")");
    }
    committed_ = true;
  }

 private:
  std::string dest_, tmp_;
  std::unique_ptr<io::ZipWriter> zip_;
  bool committed_ = false;
};

// The source's images one at a time: a folder or zip of PNGs of any size is decoded lazily, any
// other source is loaded whole by load_image_dataset.
class Source {
 public:
  explicit Source(const std::string& path) : path_(path) {
    if (detect_dataset_format(path) == DatasetFormat::ImageFolder) {
      folder_ = std::make_unique<ImageFolder>(path);
      PFGM_CHECK(!folder_->names().empty(), "[source] ", path, ": no images found (expected PNG files)");
      labels_ = folder_->labels();
      if (!folder_->has_labels_file() && is_dir(path)) labels_from_folders();
    } else {
      data_ = load_image_dataset(path);
      if (data_.labels.defined()) {
        const auto l = data_.labels.contiguous();
        labels_.assign(l.data_ptr<int64_t>(), l.data_ptr<int64_t>() + l.numel());
      } else {
        labels_.assign(static_cast<size_t>(data_.images.size(0)), -1);
      }
    }
  }
  int64_t size() const { return static_cast<int64_t>(labels_.size()); }
  torch::Tensor image(int64_t i) const { return folder_ ? folder_->image(static_cast<size_t>(i)) : data_.images[i]; }
  int64_t label(int64_t i) const { return labels_[static_cast<size_t>(i)]; }
  std::string name(int64_t i) const {
    return folder_ ? path_ + "/" + folder_->names()[static_cast<size_t>(i)] : path_ + " image " + std::to_string(i);
  }

 private:
  // dataset_tool.py without dataset.json: labels = index of the top-level folder, when there are several.
  void labels_from_folders() {
    std::vector<std::string> top;
    for (const auto& n : folder_->names()) top.push_back(n.find('/') == std::string::npos ? "" : n.substr(0, n.find('/')));
    const std::set<std::string> distinct(top.begin(), top.end());
    if (distinct.size() < 2) return;
    for (size_t i = 0; i < top.size(); ++i)
      labels_[i] = std::distance(distinct.begin(), distinct.find(top[i]));
  }

  std::string path_;
  std::unique_ptr<ImageFolder> folder_;
  ImageDataset data_;
  std::vector<int64_t> labels_;  // −1: none
};

std::string archive_name(int64_t idx) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%05lld/img%08lld.png", static_cast<long long>(idx / 1000), static_cast<long long>(idx));
  return buf;  // f'{idx:08d}'[:5] + '/img' + f'{idx:08d}' + '.png'
}
}  // namespace

DatasetToolSummary convert_dataset(const DatasetToolOptions& o) {
  PFGM_CHECK(!o.source.empty() && !o.dest.empty(), "[dataset] --source and --dest are required");
  PFGM_CHECK((o.width > 0) == (o.height > 0), "[resolution] got ", o.width, "x", o.height, ", expected WxH");
  PFGM_CHECK(o.transform == Transform::None || o.width > 0, "[transform] ", to_string(o.transform),
             " needs --resolution WxH");
  const Source source(o.source);
  DatasetWriter writer(o.dest);
  const int64_t n = o.max_images >= 0 ? std::min(o.max_images, source.size()) : source.size();

  DatasetToolSummary s;
  nlohmann::json labels = nlohmann::json::array();
  bool all_labelled = true;
  std::string first_name;
  for (int64_t idx = 0; idx < n; ++idx) {
    const auto img = transform_image(source.image(idx), o.transform, o.width, o.height);
    if (!img.defined()) {
      ++s.skipped;
      continue;  // dataset_tool.py skips it; the index still advances
    }
    if (s.images == 0) {
      check_dataset_image(img, source.name(idx) + " after --resolution/--transform");
      s.channels = img.size(0), s.height = img.size(1), s.width = img.size(2);
      first_name = source.name(idx);
    } else {
      PFGM_CHECK(img.size(0) == s.channels && img.size(1) == s.height && img.size(2) == s.width, "[dataset] ",
                 source.name(idx), ": ", img.size(0), " channels ", img.size(2), "x", img.size(1), ", expected ",
                 s.channels, " channels ", s.width, "x", s.height, " as ", first_name,
                 " (all images must match; use --resolution or --transform)");
    }
    const std::string name = archive_name(idx);
    writer.add(name, io::encode_png(img, 0));
    const int64_t label = source.label(idx);
    all_labelled = all_labelled && label >= 0;
    if (label >= 0) {
      labels.push_back(nlohmann::json::array({name, label}));
      s.label_dim = std::max(s.label_dim, label + 1);
    }
    ++s.images;
  }
  PFGM_CHECK(s.images > 0, "[dataset] ", o.source, ": no images to write",
             s.skipped ? " (all smaller than --resolution for center-crop-wide)" : "");
  if (!all_labelled) s.label_dim = 0;
  const nlohmann::json meta = {{"labels", all_labelled ? labels : nlohmann::json(nullptr)}};
  writer.add("dataset.json", meta.dump());
  writer.commit();
  return s;
}

}  // namespace pfgm::data
