#pragma once
// Point sets as CSV files: one point per row, comma-separated numbers, '#' comment lines and an
// optional all-non-numeric header row; written with full (%.17g) precision, atomically.
#include <string>

#include <torch/types.h>

namespace pfgm::data {

// Reads `path` into [n, N] float64 (CPU). Blank lines and lines starting with '#' are skipped;
// whitespace around values is allowed; the first row is a header when all its fields are
// non-numeric. Throws pfgm::Error "[csv] <path>:<line>: ..." on unreadable files, no points,
// ragged rows, non-numeric fields and NaN/Inf values.
torch::Tensor read_points_csv(const std::string& path);

// Writes `points` [n, N] (any dtype/device, finite) as "%.17g" CSV rows via io::write_atomically,
// so read_points_csv gives the float64 values back exactly.
void write_points_csv(const std::string& path, const torch::Tensor& points);

}  // namespace pfgm::data
