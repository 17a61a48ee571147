#pragma once
// How far generated images are from the data, judged by one detector (pfgm's domain classifier or
// Inception): the Fréchet distance of the samples to the training set's statistics, beside the
// same distance for as many held-out real images — the floor a perfect model would reach at this
// sample size — and the share of images the classifier assigns to a class with confidence.
#include <torch/types.h>

#include "pfgm/distributed/process_group.h"
#include "pfgm/eval/detector.h"
#include "pfgm/eval/fid_reference.h"
#include "pfgm/eval/inception_score.h"

namespace pfgm::eval {

struct SampleQualityOptions {
  int64_t batch = 256;         // images per detector call
  double confidence = 0.9;     // a prediction counts as confident when max p(y|x) ≥ this
  int64_t is_splits = 10;      // splits of the classifier score
  distributed::ProcessGroup* group = nullptr;  // several processes share the detector's work (feature_stats.h)
};

struct ImageSetQuality {
  double fd = 0;               // Fréchet distance to the reference statistics
  InceptionScore score;        // Inception Score (classifier analogue), when the detector has a head
  double confident = 0;        // share of images with max p(y|x) ≥ options.confidence
  torch::Tensor classes;       // int64 [n] argmax classes, when the detector has a head
};

struct SampleQuality {
  int64_t count = 0;           // images in each set
  ImageSetQuality samples;     // the generated images
  ImageSetQuality floor;       // held-out real images
};

// reference: statistics of the training images; samples and heldout: uint8 [n, C, H, W] of equal n.
SampleQuality sample_quality(Detector& detector, const FIDReference& reference, const torch::Tensor& samples,
                             const torch::Tensor& heldout, const SampleQualityOptions& options = {});

}  // namespace pfgm::eval
