#pragma once
// Samples far from every training image: a sample is an outlier when its distance to the nearest
// training image exceeds the largest such distance among held-out real images (pixel space, images
// in the model's range [−1, 1]). The measure of a heavy-tailed generator's stray samples.
#include <torch/types.h>

namespace pfgm::eval {

struct OutlierShare {
  double threshold = 0;  // the largest nearest-training distance of the held-out images
  double share = 0;      // the samples' share above it
  double max_distance = 0;  // the samples' largest nearest-training distance
};

struct OutlierReference {
  torch::Tensor train;    // the training images, flattened, float64 in [−1, 1]
  double threshold = 0;   // the largest nearest-training distance of the held-out images
};

// uint8 images [n, C, H, W]: the training set and the held-out set (made once for many sample sets).
OutlierReference outlier_reference(const torch::Tensor& train, const torch::Tensor& heldout);

// samples: uint8 [n, C, H, W].
OutlierShare outlier_share(const OutlierReference& reference, const torch::Tensor& samples);

}  // namespace pfgm::eval
