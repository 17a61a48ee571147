#pragma once
// CIFAR-10, binary version (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html):
// records of 1 label byte (0–9) and 3072 pixel bytes (3×32×32, channel-major, rows top to bottom).
// Training split: data_batch_1.bin … data_batch_5.bin in that order (50,000 images, as the
// official dataset_tool.py reads the Python version, spec 6.1); test split: test_batch.bin.
#include <string>

#include "pfgm/data/image_dataset.h"

namespace pfgm::data {

constexpr int64_t kCifarRecordBytes = 1 + 3 * 32 * 32;

// Reads the split from a .tar.gz (libarchive) or from a folder holding the .bin files (directly or
// in cifar-10-batches-bin/). Every file's length is checked against whole records.
ImageDataset load_cifar10(const std::string& path, bool train = true);

// The records of one batch file's bytes; `name` names the file in errors.
ImageDataset parse_cifar10_batch(const std::string& bytes, const std::string& name);

// True when `path` is a folder that holds CIFAR-10 .bin batches (directly or in cifar-10-batches-bin/).
bool is_cifar10_folder(const std::string& path);

}  // namespace pfgm::data
