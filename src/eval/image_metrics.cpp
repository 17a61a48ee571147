#include "pfgm/eval/image_metrics.h"

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/eval/feature_stats.h"

namespace pfgm::eval {

ImageMetrics image_metrics(Detector& detector, const torch::Tensor& images, const FIDReference& ref,
                           const ImageMetricsOptions& o) {
  PFGM_CHECK(!o.kid || ref.features.defined(), "[kid] the reference has no feature rows; write it with "
             "pfgm fid ref --features 1");
  FeatureSetOptions f;
  f.batch = o.batch;
  f.keep_features = o.kid;
  f.keep_probs = true;
  f.progress = o.progress;
  f.group = o.group;
  const auto set = compute_feature_set(detector, images, f);
  const int64_t F = set.stats.mu.size(0), F_ref = ref.stats.mu.size(0);
  PFGM_CHECK(F == F_ref, "[detector] ", detector.path(), ": features of width ", F, ", but the reference has ", F_ref,
             " (was it made with another detector?)");
  ImageMetrics m;
  m.count = set.count;
  m.feature_dim = F;
  m.fd = frechet_distance(set.stats, ref.stats);
  if (o.kid) m.kid = kernel_inception_distance(ref.features, set.features, o.kid_options);
  m.probs = set.probs;
  if (o.inception_score) {
    PFGM_CHECK(set.probs.defined(), "[is] the detector ", detector.path(), " gives no class probabilities");
    m.is = inception_score(set.probs, o.is_splits);
  }
  return m;
}

}  // namespace pfgm::eval
