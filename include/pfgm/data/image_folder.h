#pragma once
// The EDM dataset format (spec 6.1, 6.2): a folder (searched recursively) or a .zip of PNG images,
// sorted by relative path, with optional labels in dataset.json — {"labels": [[name, label], …]}
// or {"labels": null}. PNG is the one image format read; other image extensions are an error.
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "pfgm/data/image_dataset.h"

namespace pfgm::io {
class ZipReader;
}

namespace pfgm::data {

// The image files of a dataset folder or zip, listed but not decoded. In a zip every member must
// be an image or dataset.json; in a folder other files are skipped.
class ImageFolder {
 public:
  explicit ImageFolder(const std::string& path);
  ~ImageFolder();
  ImageFolder(const ImageFolder&) = delete;
  ImageFolder& operator=(const ImageFolder&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<std::string>& names() const { return names_; }  // relative paths, sorted
  const std::vector<int64_t>& labels() const { return labels_; }    // per image; −1: none
  bool has_labels_file() const { return has_labels_file_; }         // dataset.json with labels
  // The first image without a label ("" when all have one or there is no labels list).
  std::string first_unlabelled() const;
  // Image i decoded to uint8 [C, H, W] (C = 1 or 3).
  torch::Tensor image(size_t i) const;

 private:
  std::string read(const std::string& name) const;

  std::string path_;
  std::unique_ptr<io::ZipReader> zip_;  // null for a folder
  std::vector<std::string> names_;
  std::vector<int64_t> labels_;
  bool has_labels_file_ = false;
};

// Reads a folder or zip as training/dataset.py's ImageFolderDataset (spec 6.2) and validates it as
// dataset_tool.py does (spec 6.1): every image of one size, square, a power-of-two side, 1 or 3
// channels. Uses o.use_labels, o.max_size and o.seed.
ImageDataset load_image_folder(const std::string& path, const ImageDatasetOptions& o = {});

// dataset_tool.py's check on the shape of the first image [C, H, W] of a dataset; `name` names
// the file in the error.
void check_dataset_image(const torch::Tensor& image, const std::string& name);

// True when the file name has an image extension PIL knows (.png, .jpg, …), case-insensitive.
bool has_image_extension(const std::string& name);

}  // namespace pfgm::data
