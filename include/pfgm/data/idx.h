#pragma once
// MNIST's idx format (plain or gzip): a big-endian header — magic 0x000008TT (TT = 0x08: uint8)
// with the number of dimensions in its last byte, then one u32 size per dimension — and the data.
#include <string>

#include <torch/types.h>

namespace pfgm::data {

// The array as a uint8 tensor of the header's shape; every size is checked against the file.
torch::Tensor read_idx(const std::string& path);

}  // namespace pfgm::data
