#include "pfgm/eval/feature_stats.h"

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/distributed/shard.h"

namespace pfgm::eval {

void FeatureMoments::add(const torch::Tensor& features) {
  PFGM_CHECK(features.dim() == 2, "[fid] features: expected [batch, dim], got ", features.sizes());
  const auto f = features.to(torch::kCPU, torch::kFloat64);
  if (!sum_.defined()) {
    sum_ = torch::zeros({f.size(1)}, torch::kFloat64);
    sum_outer_ = torch::zeros({f.size(1), f.size(1)}, torch::kFloat64);
  }
  PFGM_CHECK(f.size(1) == dim(), "[fid] features: width ", f.size(1), " after ", dim(), " in earlier batches");
  sum_ += f.sum(0);
  sum_outer_.addmm_(f.t(), f);
  n_ += f.size(0);
}

GaussianStats FeatureMoments::stats() const {
  PFGM_CHECK(n_ >= 2, "[fid] statistics need at least 2 images, got ", n_);
  const double n = static_cast<double>(n_);
  const auto mu = sum_ / n;
  return {mu, (sum_outer_ - n * torch::outer(mu, mu)) / (n - 1)};
}

void FeatureMoments::sum_over(distributed::ProcessGroup& group) {
  auto count = torch::tensor({static_cast<double>(n_)}, torch::kFloat64);
  group.allreduce_sum(count);
  group.allreduce_sum(sum_);
  group.allreduce_sum(sum_outer_);
  n_ = static_cast<int64_t>(count.item<double>());
}


FeatureSet compute_feature_set(Detector& detector, const torch::Tensor& all_images, const FeatureSetOptions& o) {
  PFGM_CHECK(all_images.dim() == 4 && all_images.scalar_type() == torch::kUInt8,
             "[fid] images: expected uint8 [n, C, H, W], got ", all_images.scalar_type(), " ", all_images.sizes());
  PFGM_CHECK(o.batch > 0, "[batch] got ", o.batch, ", expected > 0");
  const int64_t total = all_images.size(0);
  PFGM_CHECK(!o.group || total >= o.group->size(), "[fid] ", total, " images for ", o.group ? o.group->size() : 1,
             " processes: expected at least one each");
  const auto images = o.group ? all_images.index_select(0, torch::tensor(distributed::rank_items(total, o.batch,
                                                                                                   o.group->rank(), o.group->size()),
                                                                             torch::kInt64))
                              : all_images;
  const int64_t n = images.size(0);
  FeatureMoments moments;
  std::vector<torch::Tensor> features, probs;
  for (int64_t start = 0; start < n; start += o.batch) {
    const int64_t count = std::min(o.batch, n - start);
    auto d = detector.detect(images.narrow(0, start, count).contiguous());
    PFGM_CHECK(d.features.dim() == 2 && d.features.size(0) == count, "[detector] ", detector.path(),
               ": returned features of shape ", d.features.sizes(), " for ", count, " images, expected [", count,
               ", dim]");
    moments.add(d.features);
    if (o.keep_features) features.push_back(d.features.to(torch::kFloat64));
    if (o.keep_probs && d.probs.defined()) probs.push_back(d.probs.to(torch::kFloat64));
    if (o.progress) o.progress(start + count, n);
  }
  FeatureSet out;
  if (!features.empty()) out.features = torch::cat(features);
  if (!probs.empty()) out.probs = torch::cat(probs);
  if (o.group) {
    moments.sum_over(*o.group);
    if (out.features.defined()) out.features = distributed::gather_in_order(*o.group, out.features, total, o.batch);
    if (out.probs.defined()) out.probs = distributed::gather_in_order(*o.group, out.probs, total, o.batch);
  }
  out.count = moments.count();
  out.stats = moments.stats();
  return out;
}

}  // namespace pfgm::eval
