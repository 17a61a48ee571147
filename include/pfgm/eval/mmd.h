#pragma once
// Biased MMD^2 estimator with a multi-bandwidth RBF kernel whose bandwidths come from the mean
// pairwise squared distance of the pooled sample.
#include <torch/types.h>

namespace pfgm::eval {

// Pairwise squared Euclidean distances [n, m] between the rows of A [n, d] and B [m, d], in
// float64, computed per pair as sum_k (a_k - b_k)^2 (exactly symmetric, zero on identical rows).
torch::Tensor pairwise_sq_dists(const torch::Tensor& A, const torch::Tensor& B);

// MMD^2 = mean K_XX + mean K_YY - 2 mean K_XY between X [n, d] and Y [m, d] (float64), with
// k(a, b) = sum_{j=0..4} exp(-|a - b|^2 / (base * 2^j)), base = mean(D_ZZ) / 4 where D_ZZ is the
// full (n+m)^2 squared-distance matrix of Z = [X; Y], diagonal included. mmd(X, X) == 0 exactly.
double mmd(const torch::Tensor& X, const torch::Tensor& Y);

}  // namespace pfgm::eval
