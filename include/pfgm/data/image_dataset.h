#pragma once
// Image datasets held in memory as uint8 [n, C, H, W] with optional integer labels, and the
// model's view of them: x = uint8/127.5 − 1 ∈ [−1, 1] (spec 6.2).
#include <string>

#include <torch/types.h>

namespace pfgm::data {

struct ImageDataset {
  torch::Tensor images;  // uint8 [n, C, H, W]
  torch::Tensor labels;  // int64 [n], undefined when unlabelled
  int64_t label_dim = 0; // number of classes
  std::string source;
};

// MNIST-style idx files in `dir` (train- or t10k-images-idx3-ubyte[.gz] and the labels), zero-
// padded to pad_to × pad_to when larger than the images (28 → 32 as the official dataset tool).
ImageDataset load_idx_dataset(const std::string& dir, bool train = true, int64_t pad_to = 32);

// The built-in default: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
const char* fashion_mnist_dir();

// uint8 images → float32 in [−1, 1].
torch::Tensor to_model_range(const torch::Tensor& images);

}  // namespace pfgm::data
