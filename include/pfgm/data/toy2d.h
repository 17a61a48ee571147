#pragma once
// Built-in 2-D toy distributions (Gaussian mixture, two moons, rings, checkerboard, swiss roll,
// heart), each centred and scaled to roughly unit standard deviation per coordinate.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

namespace pfgm::data {

// The checkerboard spans [-kCheckerHalfWidth, kCheckerHalfWidth]^2 in 4x4 squares of side
// kCheckerHalfWidth / 2; square (i, j) (i = column from the left, j = row from the bottom, 0..3)
// is filled when i + j is even.
inline constexpr double kCheckerHalfWidth = 1.7320508075688772;  // sqrt(3): unit std per coordinate

// The valid names, in a fixed order: gaussian_mixture, two_moons, rings, checkerboard, swiss_roll,
// heart.
const std::vector<std::string>& toy2d_names();

// n >= 0 points [n, 2] (float64, CPU) from the named distribution, all randomness from `gen`.
// Unknown names throw pfgm::Error "[--data] ..." listing the valid names.
torch::Tensor sample_toy2d(const std::string& name, int64_t n, at::Generator& gen);

}  // namespace pfgm::data
