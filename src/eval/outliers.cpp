#include "pfgm/eval/outliers.h"

#include <algorithm>

#include "pfgm/eval/nearest_distance.h"
#include "pfgm/io/pixels.h"

namespace pfgm::eval {

OutlierReference outlier_reference(const torch::Tensor& train, const torch::Tensor& heldout) {
  OutlierReference r;
  r.train = io::to_model_range(train).flatten(1).to(torch::kFloat64);
  r.threshold = nearest_distance(io::to_model_range(heldout).flatten(1), r.train).max().item<double>();
  return r;
}

OutlierShare outlier_share(const OutlierReference& reference, const torch::Tensor& samples) {
  OutlierShare r;
  r.threshold = reference.threshold;
  const auto d = nearest_distance(io::to_model_range(samples).flatten(1), reference.train);
  r.share = (d > r.threshold).to(torch::kFloat64).mean().item<double>();
  r.max_distance = d.max().item<double>();
  return r;
}

}  // namespace pfgm::eval
