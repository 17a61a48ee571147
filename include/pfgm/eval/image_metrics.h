#pragma once
// The image-quality figures of a set of images against reference statistics, through one detector:
// the Fréchet distance (FID with EDM's Inception detector, "FD" with pfgm's classifier), KID when
// the reference keeps its feature rows, and the Inception Score (or its classifier analogue) when
// the detector has a class head.
#include <functional>
#include <optional>

#include <torch/types.h>

#include "pfgm/distributed/process_group.h"
#include "pfgm/eval/detector.h"
#include "pfgm/eval/fid_reference.h"
#include "pfgm/eval/inception_score.h"
#include "pfgm/eval/kid.h"

namespace pfgm::eval {

struct ImageMetricsOptions {
  int64_t batch = 64;            // images per detector call
  bool kid = false;              // KID (needs reference features)
  bool inception_score = false;  // IS (needs class probabilities from the detector)
  KIDOptions kid_options;
  int64_t is_splits = 10;
  std::function<void(int64_t, int64_t)> progress;  // (images done, total)
  distributed::ProcessGroup* group = nullptr;      // several processes share the detector's work (feature_stats.h)
};

struct ImageMetrics {
  int64_t count = 0;        // images evaluated
  int64_t feature_dim = 0;  // F
  double fd = 0;            // Fréchet distance to the reference
  std::optional<double> kid;
  std::optional<InceptionScore> is;
  torch::Tensor probs;      // [n, classes] when the detector has a head
};

// images: uint8 [n, C, H, W] on the CPU. The detector's width must equal the reference's.
ImageMetrics image_metrics(Detector& detector, const torch::Tensor& images, const FIDReference& ref,
                           const ImageMetricsOptions& options = {});

}  // namespace pfgm::eval
