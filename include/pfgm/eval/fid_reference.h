#pragma once
// FID reference statistics as fid.py writes them (spec 6.3): an .npz with `mu` float64 [F] and
// `sigma` float64 [F, F], so EDM's published reference files and pfgm's are interchangeable.
// pfgm may add `features` float64 [n, F] (every feature row, for KID); EDM ignores extra keys.
#include <string>

#include <torch/types.h>

#include "pfgm/eval/frechet_distance.h"

namespace pfgm::eval {

struct FIDReference {
  GaussianStats stats;
  torch::Tensor features;  // [n, F] float64, or undefined
};

// Written atomically with numpy.savez's layout.
void write_fid_reference(const std::string& path, const FIDReference& ref);
// Checks keys, dtypes and shapes; errors name the file.
FIDReference read_fid_reference(const std::string& path);

}  // namespace pfgm::eval
