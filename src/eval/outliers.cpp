#include "pfgm/eval/outliers.h"

#include <algorithm>

#include "pfgm/core/error.h"
#include "pfgm/io/pixels.h"

namespace pfgm::eval {

torch::Tensor nearest_distance(const torch::Tensor& x, const torch::Tensor& reference) {
  PFGM_CHECK(x.dim() >= 2 && reference.dim() >= 2 && x[0].numel() == reference[0].numel() && reference.size(0) > 0,
             "[outliers] points of different sizes, or no reference points");
  const auto a = x.flatten(1).to(torch::kFloat64);
  const auto a2 = a.square().sum(1, true);
  torch::Tensor best = torch::full({a.size(0), 1}, INFINITY, torch::kFloat64);
  // ‖a − b‖² = ‖a‖² + ‖b‖² − 2·a·b, by chunks of the reference (float64: exact enough at this scale).
  for (int64_t start = 0; start < reference.size(0); start += 4096) {
    const auto b = reference.narrow(0, start, std::min<int64_t>(4096, reference.size(0) - start)).flatten(1).to(torch::kFloat64);
    const auto d2 = a2 + b.square().sum(1).unsqueeze(0) - 2 * torch::mm(a, b.t());
    best = torch::minimum(best, std::get<0>(d2.min(1, true)));
  }
  return best.squeeze(1).clamp_min(0).sqrt();
}

OutlierShare outlier_share(const torch::Tensor& train, const torch::Tensor& heldout, const torch::Tensor& samples) {
  const auto ref = io::to_model_range(train);
  OutlierShare r;
  r.threshold = nearest_distance(io::to_model_range(heldout), ref).max().item<double>();
  const auto d = nearest_distance(io::to_model_range(samples), ref);
  r.share = (d > r.threshold).to(torch::kFloat64).mean().item<double>();
  r.max_distance = d.max().item<double>();
  return r;
}

}  // namespace pfgm::eval
