#include "pfgm/eval/sample_quality.h"

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/eval/image_metrics.h"

namespace pfgm::eval {

namespace {
ImageSetQuality judge(Detector& detector, const FIDReference& reference, const torch::Tensor& images,
                      const SampleQualityOptions& o) {
  ImageMetricsOptions m;
  m.batch = o.batch;
  m.is_splits = o.is_splits;
  m.group = o.group;
  const auto r = image_metrics(detector, images, reference, m);
  ImageSetQuality q;
  q.fd = r.fd;
  if (r.probs.defined()) {
    q.score = inception_score(r.probs, std::min(o.is_splits, r.probs.size(0)));
    const auto [p_max, classes] = r.probs.max(1);
    q.confident = (p_max >= o.confidence).to(torch::kFloat64).mean().item<double>();
    q.classes = classes;
  }
  return q;
}
}  // namespace

SampleQuality sample_quality(Detector& detector, const FIDReference& reference, const torch::Tensor& samples,
                             const torch::Tensor& heldout, const SampleQualityOptions& o) {
  PFGM_CHECK(samples.dim() == 4 && heldout.dim() == 4 && samples.size(0) == heldout.size(0) &&
                 samples.sizes().slice(1) == heldout.sizes().slice(1),
             "[quality] samples ", samples.sizes(), " and held-out images ", heldout.sizes(),
             ": expected the same number of images of one shape");
  SampleQuality q;
  q.count = samples.size(0);
  q.samples = judge(detector, reference, samples, o);
  q.floor = judge(detector, reference, heldout, o);
  return q;
}

}  // namespace pfgm::eval
