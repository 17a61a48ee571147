#pragma once
// NumPy's .npy format (version 1.0, as numpy.save writes it) and .npz archives (numpy.savez: a
// STORED zip of "<key>.npy" members), for uint8 images (generate.py's npz, key "x", NHWC) and
// float64 statistics (fid.py's reference files, keys "mu" and "sigma").
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

namespace pfgm::io {

// The .npy bytes of a C-contiguous copy of `t` (uint8, int64, float32 or float64; little endian).
// Header as numpy >= 1.24 writes it: "\x93NUMPY" 1 0, u16 length, then
// "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 21 - digits(shape[0]) spaces of
// room to grow, spaces and a final '\n' up to the next multiple of 64 bytes.
std::string encode_npy(const torch::Tensor& t);

// Parses .npy bytes (versions 1.0–3.0, C order, the dtypes above); every length is checked and
// errors name `name`.
torch::Tensor decode_npy(const std::string& bytes, const std::string& name);

using NamedArrays = std::vector<std::pair<std::string, torch::Tensor>>;

// numpy.savez(path, **arrays): written to a temporary file and renamed.
void write_npz(const std::string& path, const NamedArrays& arrays);
// numpy.load(path) of an npz: every "<key>.npy" member.
NamedArrays read_npz(const std::string& path);

}  // namespace pfgm::io
