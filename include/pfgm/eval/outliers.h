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

// uint8 images [n, C, H, W]: training set, held-out set and samples.
OutlierShare outlier_share(const torch::Tensor& train, const torch::Tensor& heldout, const torch::Tensor& samples);

}  // namespace pfgm::eval
