#pragma once
// Feature statistics of an image set as fid.py accumulates them (spec 6.3): running sums of f and
// f fᵀ in float64, μ = Σf/n and Σ = (Σ f fᵀ − n μ μᵀ)/(n − 1), batch by batch through a detector.
#include <functional>

#include <torch/types.h>

#include "pfgm/distributed/process_group.h"
#include "pfgm/eval/detector.h"
#include "pfgm/eval/frechet_distance.h"

namespace pfgm::eval {

class FeatureMoments {
 public:
  void add(const torch::Tensor& features);  // [B, F], any float dtype; F fixed by the first call
  int64_t count() const { return n_; }
  int64_t dim() const { return sum_.defined() ? sum_.size(0) : 0; }
  GaussianStats stats() const;  // needs count() ≥ 2
  void sum_over(distributed::ProcessGroup& group);  // every rank's sums added (all ranks call it)

 private:
  int64_t n_ = 0;
  torch::Tensor sum_, sum_outer_;  // float64 [F], [F, F]
};

struct FeatureSetOptions {
  int64_t batch = 64;           // images per detector call (fid.py --batch)
  bool keep_features = false;   // also return every feature row (KID)
  bool keep_probs = false;      // also return every class-probability row (Inception Score)
  // Called after each batch with (images done, total).
  std::function<void(int64_t, int64_t)> progress;
  // Several processes (not owned): each runs the detector over its share of the batches
  // (generate.py's split), the sums are added over ranks and the kept rows gathered in image order.
  distributed::ProcessGroup* group = nullptr;
};

struct FeatureSet {
  GaussianStats stats;      // μ, Σ in float64
  int64_t count = 0;
  torch::Tensor features;   // [n, F] float64, when kept
  torch::Tensor probs;      // [n, classes] float64, when kept and the detector has a head
};

// Runs `detector` over uint8 images [n, C, H, W] (CPU) in batches.
FeatureSet compute_feature_set(Detector& detector, const torch::Tensor& images, const FeatureSetOptions& options = {});

}  // namespace pfgm::eval
