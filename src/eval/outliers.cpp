#include "pfgm/eval/outliers.h"

#include <algorithm>

#include "pfgm/eval/nearest_distance.h"
#include "pfgm/io/pixels.h"

namespace pfgm::eval {

OutlierShare outlier_share(const torch::Tensor& train, const torch::Tensor& heldout, const torch::Tensor& samples) {
  const auto ref = io::to_model_range(train).flatten(1);
  OutlierShare r;
  r.threshold = nearest_distance(io::to_model_range(heldout).flatten(1), ref).max().item<double>();
  const auto d = nearest_distance(io::to_model_range(samples).flatten(1), ref);
  r.share = (d > r.threshold).to(torch::kFloat64).mean().item<double>();
  r.max_distance = d.max().item<double>();
  return r;
}

}  // namespace pfgm::eval
