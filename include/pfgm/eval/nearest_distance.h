#pragma once
// How far generated points stray from the data: each sample's distance to its nearest data point,
// and the data set's diameter to measure it in (a sample farther than one diameter from every data
// point is an outlier no blur of the data explains).
#include <torch/types.h>

namespace pfgm::eval {

// min_j ‖x_i − y_j‖ for samples X [n, d] and data Y [m, d] (float64, computed in row blocks);
// returns [n] float64 on the CPU.
torch::Tensor nearest_distance(const torch::Tensor& X, const torch::Tensor& Y);

// max_{j,k} ‖y_j − y_k‖ of Y [m, d] (float64, in row blocks, exact).
double diameter(const torch::Tensor& Y);

}  // namespace pfgm::eval
