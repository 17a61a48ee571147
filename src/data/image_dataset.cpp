#include "pfgm/data/image_dataset.h"

#include <sys/stat.h>

#include <torch/torch.h>

#include "pfgm/core/error.h"
#include "pfgm/data/idx.h"

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

torch::Tensor to_model_range(const torch::Tensor& images) { return images.to(torch::kFloat32) / 127.5 - 1; }

}  // namespace pfgm::data
