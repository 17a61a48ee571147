#pragma once
// Image datasets held in memory as uint8 [n, C, H, W] with optional integer labels, and the
// model's view of them: x = uint8/127.5 − 1 ∈ [−1, 1] (spec 6.2).
#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

namespace pfgm::data {

struct ImageDataset {
  torch::Tensor images;  // uint8 [n, C, H, W]
  torch::Tensor labels;  // int64 [n], undefined when unlabelled
  int64_t label_dim = 0; // number of classes
  std::string source;
};

// How load_image_dataset reads a dataset. Labels are read whenever the dataset has them.
struct ImageDatasetOptions {
  bool train = true;       // idx and CIFAR-10: the training split (false: the test split)
  bool use_labels = false; // require a label for every image (--cond); an error when there are none
  int64_t max_size = -1;   // keep at most this many images, chosen at random (−1: all), spec 6.2
  uint64_t seed = 0;       // seeds the choice of max_size images
  int64_t pad_to = 32;     // idx images (28×28) are zero-padded to pad_to × pad_to (spec 6.1)
};

// The dataset formats pfgm reads.
enum class DatasetFormat {
  FashionMnist,  // the word "fashion-mnist": Debian's dataset-fashion-mnist
  Idx,           // a folder of MNIST-style idx files (idx.h)
  Cifar10,       // cifar-10-binary.tar.gz or a folder of its .bin batches (cifar10.h)
  ImageFolder,   // a .zip or a folder of PNG images, EDM's format (image_folder.h)
  Npz            // an .npz of images as pfgm generate --npz writes them (x: uint8 NHWC; y: labels)
};

// The format of `path` as load_image_dataset detects it; throws pfgm::Error when none fits.
DatasetFormat detect_dataset_format(const std::string& path);

// Whether the format has a test split (ImageDatasetOptions::train = false): Fashion-MNIST, idx, CIFAR-10.
bool has_test_split(DatasetFormat format);

// Any dataset pfgm reads, detected from `path`: "fashion-mnist" (Debian's dataset-fashion-mnist);
// a folder of MNIST-style idx files; a CIFAR-10 binary cifar-10-binary.tar.gz or a folder of its
// data_batch_*.bin / test_batch.bin; an EDM dataset, i.e. a .zip or a folder of PNGs with optional
// dataset.json (image_folder.h); an .npz of images (load_npz_images). Throws pfgm::Error naming
// `path` and listing these when none fits.
ImageDataset load_image_dataset(const std::string& path, const ImageDatasetOptions& o = {});

// The indices max_size keeps out of n: a seeded shuffle of 0…n−1, the first max_size, sorted
// (spec 6.2), with numpy's RandomState(seed).shuffle, so the same subset as the reference for the
// same seed (0 ≤ seed < 2³²). All when max_size < 0 or max_size ≥ n.
std::vector<int64_t> choose_subset(int64_t n, int64_t max_size, uint64_t seed);

// An .npz with `x` uint8 [n, H, W, C] (and optional `y` int64 [n] labels), as NCHW.
ImageDataset load_npz_images(const std::string& path, bool use_labels = false);

// MNIST-style idx files in `dir` (train- or t10k-images-idx3-ubyte[.gz] and the labels), zero-
// padded to pad_to × pad_to when larger than the images (28 → 32 as the official dataset tool).
ImageDataset load_idx_dataset(const std::string& dir, bool train = true, int64_t pad_to = 32);

// The built-in default: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
const char* fashion_mnist_dir();

}  // namespace pfgm::data
