#pragma once
// How close a model's samples of vector data come to the data: MMD (biased, multi-bandwidth RBF)
// and sliced Wasserstein-2 at a fixed sample size, averaged over repeats, each beside the same
// figure for two fresh data samples of that size (the baseline a perfect model would reach), and
// the farthest sample's distance to the data in data diameters (outliers the averages hide).
#include <string>

#include <torch/types.h>

#include "pfgm/networks/model.h"
#include "pfgm/samplers/sampler.h"

namespace pfgm::eval {

struct VectorMetricsOptions {
  std::string data;      // a built-in distribution (data/toy2d.h) drawn afresh, or "" to split `points`
  int64_t num = 2000;    // samples per estimate
  int64_t repeats = 5;   // estimates averaged
  uint64_t seed = 0;
};

struct VectorMetrics {
  double mmd = 0, mmd_baseline = 0, swd = 0, swd_baseline = 0;
  double max_nearest = 0;       // max over all samples of min_j ‖x − y_j‖ / diameter, y_j the `points`
  int64_t nfe = 0;
  torch::Tensor first_samples;  // the first repeat's samples [num, N]
};

// Samples seeds 10⁶ + k·num … for repeat k with `sampler`; without a built-in name the references
// are disjoint random halves of `points`, which must hold 2·num rows.
VectorMetrics evaluate_vector_model(networks::Model& model, const samplers::SamplerOptions& sampler,
                                    const torch::Tensor& points, const VectorMetricsOptions& options);

}  // namespace pfgm::eval
