#pragma once
// Sliced Wasserstein-2 distance between two equal-size point sets, estimated with random unit
// projection directions drawn from an explicit generator.
#include <cstdint>

#include <torch/types.h>

namespace pfgm::eval {

// sqrt( mean over P directions theta of mean_i (sort(X theta)_i - sort(Y theta)_i)^2 ), with X, Y
// [n, d] (float64 internally) and theta uniform on the unit sphere, drawn from `gen` (CPU).
double sliced_wasserstein(const torch::Tensor& X, const torch::Tensor& Y, int64_t num_projections,
                          at::Generator& gen);

}  // namespace pfgm::eval
