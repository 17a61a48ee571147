#include "pfgm/data/image_dataset.h"

#include <sys/stat.h>

#include <algorithm>
#include <numeric>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/core/numpy_random.h"
#include "pfgm/core/text.h"
#include "pfgm/data/cifar10.h"
#include "pfgm/data/idx.h"
#include "pfgm/io/npy.h"
#include "pfgm/data/image_folder.h"

namespace pfgm::data {

const char* fashion_mnist_dir() { return "/usr/share/datasets/fashion-mnist"; }

namespace {
std::string find_file(const std::string& dir, const std::string& stem) {
  struct stat s;
  for (const char* ext : {".gz", ""}) {
    const std::string p = dir + "/" + stem + ext;
    if (::stat(p.c_str(), &s) == 0) return p;
  }
  throw Error("[data] " + dir + ": no " + stem + "[.gz] (for Fashion-MNIST install Debian's dataset-fashion-mnist)");
}
}  // namespace

ImageDataset load_idx_dataset(const std::string& dir, bool train, int64_t pad_to) {
  const std::string prefix = train ? "train" : "t10k";
  const auto image_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const auto label_path = find_file(dir, prefix + "-labels-idx1-ubyte");
  auto images = read_idx(image_path);
  const auto labels = read_idx(label_path);
  PFGM_CHECK(images.dim() == 3, "[data] ", image_path, ": expected [n, rows, cols] images, got ", images.sizes());
  PFGM_CHECK(labels.dim() == 1 && labels.size(0) == images.size(0), "[data] ", label_path, ": ", labels.sizes(),
             " labels for ", images.size(0), " images");
  const int64_t H = images.size(1), W = images.size(2);
  PFGM_CHECK(H == W, "[data] ", image_path, ": images are ", H, "×", W, ", expected square");
  if (pad_to > H) {
    const int64_t before = (pad_to - H) / 2, after = pad_to - H - before;
    images = torch::constant_pad_nd(images, {before, after, before, after}, 0);
  }
  ImageDataset d;
  d.images = images.unsqueeze(1).contiguous();
  d.labels = labels.to(torch::kInt64);
  d.label_dim = d.labels.max().item<int64_t>() + 1;
  d.source = dir;
  return d;
}

std::vector<int64_t> choose_subset(int64_t n, int64_t max_size, uint64_t seed) {
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  if (max_size < 0 || max_size >= n) return idx;
  PFGM_CHECK(seed <= 0xffffffffULL, "[data] subset seed ", seed, ": expected 0 to 2^32 - 1 (numpy's RandomState)");
  core::NumpyRandomState(static_cast<uint32_t>(seed)).shuffle(idx);  // np.random.RandomState(seed).shuffle
  idx.resize(static_cast<size_t>(max_size));
  std::sort(idx.begin(), idx.end());
  return idx;
}

namespace {
bool is_dir(const std::string& p) {
  struct stat s;
  return ::stat(p.c_str(), &s) == 0 && S_ISDIR(s.st_mode);
}

bool is_file(const std::string& p) {
  struct stat s;
  return ::stat(p.c_str(), &s) == 0 && S_ISREG(s.st_mode);
}

bool has_idx_files(const std::string& dir) {
  for (const char* stem : {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte"})
    for (const char* ext : {"", ".gz"})
      if (is_file(dir + "/" + stem + ext)) return true;
  return false;
}

// Applies max_size to a dataset loaded whole.
ImageDataset subset(ImageDataset d, const ImageDatasetOptions& o) {
  const auto keep = choose_subset(d.images.size(0), o.max_size, o.seed);
  if (static_cast<int64_t>(keep.size()) == d.images.size(0)) return d;
  const auto index = torch::tensor(keep, torch::kInt64);
  d.images = d.images.index_select(0, index);
  if (d.labels.defined()) d.labels = d.labels.index_select(0, index);
  return d;
}
}  // namespace

DatasetFormat detect_dataset_format(const std::string& path) {
  if (path == "fashion-mnist") return DatasetFormat::FashionMnist;
  if (is_file(path) && core::ends_with(path, ".zip")) return DatasetFormat::ImageFolder;
  if (is_file(path) && core::ends_with(path, ".npz")) return DatasetFormat::Npz;
  if (is_file(path) && (core::ends_with(path, ".tar.gz") || core::ends_with(path, ".tgz"))) return DatasetFormat::Cifar10;
  if (is_dir(path) && has_idx_files(path)) return DatasetFormat::Idx;
  if (is_dir(path) && is_cifar10_folder(path)) return DatasetFormat::Cifar10;
  if (is_dir(path)) return DatasetFormat::ImageFolder;
  struct stat s;
  const bool exists = ::stat(path.c_str(), &s) == 0;
  throw Error("[data] " + path +
              (is_file(path) ? ": not a dataset pfgm reads"
               : exists      ? ": not a regular file or folder (a pipe, socket or device)"
                             : ": no such file or folder") +
              "; expected fashion-mnist, a folder of MNIST idx files, cifar-10-binary.tar.gz or a folder of its "
              "data_batch_*.bin, a .zip or folder of PNG images (EDM's dataset_tool.py format), or an .npz of images "
              "(key x, uint8 NHWC)");
}

bool has_test_split(DatasetFormat f) {
  return f == DatasetFormat::FashionMnist || f == DatasetFormat::Idx || f == DatasetFormat::Cifar10;
}

ImageDataset load_image_dataset(const std::string& path, const ImageDatasetOptions& o) {
  switch (detect_dataset_format(path)) {
    case DatasetFormat::FashionMnist: return subset(load_idx_dataset(fashion_mnist_dir(), o.train, o.pad_to), o);
    case DatasetFormat::Idx: return subset(load_idx_dataset(path, o.train, o.pad_to), o);
    case DatasetFormat::Cifar10: return subset(load_cifar10(path, o.train), o);
    case DatasetFormat::Npz: return subset(load_npz_images(path, o.use_labels), o);
    default: return load_image_folder(path, o);
  }
}

ImageDataset load_npz_images(const std::string& path, bool use_labels) {
  ImageDataset d;
  d.source = path;
  for (auto& [key, array] : io::read_npz(path)) {
    if (key == "x") d.images = array;
    if (key == "y") d.labels = array;
  }
  PFGM_CHECK(d.images.defined(), "[data] ", path, ": no array 'x' (images, uint8 [n, H, W, C]) in this .npz");
  const auto& x = d.images;
  PFGM_CHECK(x.scalar_type() == torch::kUInt8 && x.dim() == 4 && (x.size(3) == 1 || x.size(3) == 3) && x.size(0) > 0,
             "[data] ", path, ": 'x' is ", x.scalar_type(), " ", x.sizes(), ", expected uint8 [n, H, W, C] with C = 1 or 3");
  d.images = x.permute({0, 3, 1, 2}).contiguous();
  if (d.labels.defined()) {
    PFGM_CHECK(d.labels.scalar_type() == torch::kInt64 && d.labels.dim() == 1 && d.labels.size(0) == x.size(0) &&
                   d.labels.min().item<int64_t>() >= 0,
               "[data] ", path, ": 'y' is ", d.labels.scalar_type(), " ", d.labels.sizes(), ", expected int64 [",
               x.size(0), "] class indices >= 0");
    d.label_dim = d.labels.max().item<int64_t>() + 1;
  }
  PFGM_CHECK(!use_labels || d.labels.defined(), "[data] ", path, ": labels required, but the .npz has no array 'y'");
  return d;
}

}  // namespace pfgm::data
