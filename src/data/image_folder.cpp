#include "pfgm/data/image_folder.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/io/png.h"
#include "pfgm/io/zip.h"

namespace pfgm::data {

namespace {
const char* const kLabelsFile = "dataset.json";

std::string lower_extension(const std::string& name) {
  const auto slash = name.rfind('/');
  const auto dot = name.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = name.substr(dot);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

bool is_directory(const std::string& p) {
  struct stat s;
  return ::stat(p.c_str(), &s) == 0 && S_ISDIR(s.st_mode);
}

// Relative paths of the regular files under `root`/`rel`, recursively (symbolic links followed).
void list_files(const std::string& root, const std::string& rel, std::vector<std::string>& out, int depth = 0) {
  PFGM_CHECK(depth < 64, "[data] ", root, ": folders nested more than 64 deep (a link loop?)");
  const std::string dir = rel.empty() ? root : root + "/" + rel;
  DIR* d = ::opendir(dir.c_str());
  PFGM_CHECK(d, "[data] ", dir, ": cannot open the folder");
  std::vector<std::string> entries;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") entries.push_back(name);
  }
  ::closedir(d);
  for (const auto& name : entries) {
    const std::string r = rel.empty() ? name : rel + "/" + name;
    struct stat s;
    if (::stat((root + "/" + r).c_str(), &s) != 0) continue;  // a dangling link
    if (S_ISDIR(s.st_mode))
      list_files(root, r, out, depth + 1);
    else if (S_ISREG(s.st_mode))
      out.push_back(r);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  PFGM_CHECK(f.good(), "[data] ", path, ": cannot open");
  std::ostringstream s;
  s << f.rdbuf();
  PFGM_CHECK(!f.bad(), "[data] ", path, ": cannot read");
  return s.str();
}

// dataset.json's labels by relative name; false when the file says {"labels": null}.
bool parse_labels(const std::string& text, const std::string& where, std::map<std::string, int64_t>& out) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw Error("[data] " + where + ": not valid JSON (" + e.what() + ")");
  }
  PFGM_CHECK(j.is_object() && j.contains("labels"), "[data] ", where,
             ": expected an object {\"labels\": [[name, label], ...] or null}");
  const auto& labels = j["labels"];
  if (labels.is_null()) return false;
  PFGM_CHECK(labels.is_array(), "[data] ", where, ": \"labels\" is ", labels.type_name(), ", expected a list or null");
  for (const auto& entry : labels) {
    PFGM_CHECK(entry.is_array() && entry.size() == 2 && entry[0].is_string(), "[data] ", where, ": label entry ",
               entry.dump(), ", expected [name, label]");
    PFGM_CHECK(entry[1].is_number_integer() && entry[1].get<int64_t>() >= 0, "[data] ", where, ": label of ",
               entry[0].get<std::string>(), " is ", entry[1].dump(),
               ", expected a class index ≥ 0 (vector labels are not supported)");
    out[entry[0].get<std::string>()] = entry[1].get<int64_t>();
  }
  return true;
}

// A relative name without '..' components: one that cannot name a file outside the archive.
bool is_safe_member(const std::string& name) {
  if (name.empty() || name[0] == '/' || name.find('\\') != std::string::npos) return false;
  size_t start = 0;
  while (start <= name.size()) {
    const size_t slash = std::min(name.find('/', start), name.size());
    if (name.compare(start, slash - start, "..") == 0 && slash - start == 2) return false;
    start = slash + 1;
  }
  return true;
}

bool is_power_of_two(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }
}  // namespace

bool has_image_extension(const std::string& name) {
  static const char* const kExtensions[] = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp",
                                            ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".ico", ".jp2", ".dds"};
  const auto ext = lower_extension(name);
  for (const char* e : kExtensions)
    if (ext == e) return true;
  return false;
}

ImageFolder::ImageFolder(const std::string& path) : path_(path) {
  std::vector<std::string> files;
  if (is_directory(path)) {
    list_files(path, "", files);
    for (const auto& f : files)
      if (has_image_extension(f)) names_.push_back(f);
  } else {
    PFGM_CHECK(lower_extension(path) == ".zip", "[data] ", path, ": expected a folder or a .zip of PNG images");
    zip_ = std::make_unique<io::ZipReader>(path);
    for (const auto& f : zip_->names()) {
      if (f == kLabelsFile) continue;
      PFGM_CHECK(is_safe_member(f), "[data] ", path, ": member '", f,
                 "' leaves the archive (an absolute path or a '..' component)");
      PFGM_CHECK(has_image_extension(f), "[data] ", path, ": member ", f,
                 " is not an image (expected PNG images and dataset.json only)");
      names_.push_back(f);
    }
  }
  std::sort(names_.begin(), names_.end());
  files.clear();

  labels_.assign(names_.size(), -1);
  struct stat s;
  const bool has_file = zip_ ? zip_->contains(kLabelsFile) : ::stat((path + "/" + kLabelsFile).c_str(), &s) == 0;
  if (!has_file) return;
  std::map<std::string, int64_t> labels;
  has_labels_file_ = parse_labels(read(kLabelsFile), path + "/" + kLabelsFile, labels);
  for (size_t i = 0; i < names_.size(); ++i) {
    const auto it = labels.find(names_[i]);
    if (it != labels.end()) labels_[i] = it->second;
  }
}

ImageFolder::~ImageFolder() = default;

std::string ImageFolder::first_unlabelled() const {
  if (!has_labels_file_) return "";
  for (size_t i = 0; i < names_.size(); ++i)
    if (labels_[i] < 0) return names_[i];
  return "";
}

std::string ImageFolder::read(const std::string& name) const {
  return zip_ ? zip_->read(name) : read_file(path_ + "/" + name);
}

torch::Tensor ImageFolder::image(size_t i) const {
  PFGM_CHECK(i < names_.size(), "[data] ", path_, ": image ", i, " of ", names_.size());
  const std::string& name = names_[i];
  PFGM_CHECK(lower_extension(name) == ".png", "[data] ", path_, "/", name, ": ", lower_extension(name),
             " images are not supported, expected PNG (convert them to PNG first)");
  return io::decode_png(read(name), path_ + "/" + name);
}

void check_dataset_image(const torch::Tensor& image, const std::string& name) {
  const int64_t C = image.size(0), H = image.size(1), W = image.size(2);
  PFGM_CHECK(C == 1 || C == 3, "[data] ", name, ": ", C, " channels, expected 1 (grey) or 3 (RGB)");
  PFGM_CHECK(H == W, "[data] ", name, ": ", W, "x", H, " pixels, expected a square image (use pfgm dataset --resolution or --transform)");
  PFGM_CHECK(is_power_of_two(W), "[data] ", name, ": ", W, "x", H,
             " pixels, expected a power-of-two side (use pfgm dataset --resolution)");
}

ImageDataset load_image_folder(const std::string& path, const ImageDatasetOptions& o) {
  const ImageFolder folder(path);
  const auto& names = folder.names();
  PFGM_CHECK(!names.empty(), "[data] ", path, ": no images found (expected PNG files, searched recursively)");
  if (o.use_labels) {
    PFGM_CHECK(folder.has_labels_file(), "[data] ", path,
               ": no labels (dataset.json missing or its labels null); --cond needs a label for every image");
    const auto missing = folder.first_unlabelled();
    PFGM_CHECK(missing.empty(), "[data] ", path, ": image ", missing,
               " has no label in dataset.json; --cond needs a label for every image");
  }
  const auto keep = choose_subset(static_cast<int64_t>(names.size()), o.max_size, o.seed);
  const auto first = folder.image(keep[0]);
  check_dataset_image(first, path + "/" + names[keep[0]]);
  auto images = torch::empty({static_cast<int64_t>(keep.size()), first.size(0), first.size(1), first.size(2)},
                             torch::kUInt8);
  images[0].copy_(first);
  for (size_t k = 1; k < keep.size(); ++k) {
    const auto img = folder.image(keep[k]);
    PFGM_CHECK(img.sizes() == first.sizes(), "[data] ", path, "/", names[keep[k]], ": ", img.size(0), " channels ",
               img.size(2), "x", img.size(1), ", expected ", first.size(0), " channels ", first.size(2), "x",
               first.size(1), " as ", names[keep[0]], " (all images must have the same size and channels)");
    images[static_cast<int64_t>(k)].copy_(img);
  }
  ImageDataset d;
  d.images = images;
  d.source = path;
  if (folder.has_labels_file() && folder.first_unlabelled().empty()) {
    std::vector<int64_t> labels;
    for (const int64_t i : keep) labels.push_back(folder.labels()[i]);
    d.labels = torch::tensor(labels, torch::kInt64);
    d.label_dim = *std::max_element(labels.begin(), labels.end()) + 1;  // one-hot width max + 1 (spec 6.2)
  }
  return d;
}

}  // namespace pfgm::data
