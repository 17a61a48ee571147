#pragma once
// Training pfgm's feature classifier (networks/classifier.h): Adam on the cross-entropy of
// minibatches drawn without replacement each epoch, a cosine learning-rate decay, optional random
// x-flips, held-out accuracy after every epoch. Every draw (data order, flips) comes from one CPU
// generator seeded with `seed`, so on the CPU the same seed gives bit-identical weights.
#include <cstdint>
#include <functional>
#include <vector>

#include <torch/types.h>

#include "pfgm/networks/classifier.h"

namespace pfgm::training {

struct ClassifierTrainOptions {
  int64_t epochs = 3;        // passes over the training images
  int64_t batch = 128;       // images per Adam step (the last, smaller minibatch of an epoch is dropped)
  double lr = 2e-3;          // Adam's learning rate at the start; cosine decay to 0 at the end
  double beta1 = 0.9;        // Adam β₁
  double beta2 = 0.999;      // Adam β₂
  double weight_decay = 0;   // Adam's L2 weight decay
  bool xflip = true;         // mirror each training image left–right with probability 1/2
  uint64_t seed = 0;         // data order and flips
  int64_t eval_batch = 1000; // images per forward pass when measuring accuracy
};

// After every step; epoch_end marks the last step of an epoch, with its accuracies filled in.
struct ClassifierProgress {
  int64_t step = 0, total_steps = 0;  // steps done, steps in all
  int64_t epoch = 0, epochs = 0;      // the epoch of this step (1-based), epochs in all
  double loss = 0;                    // mean cross-entropy over the epoch's steps so far
  double images_per_s = 0;            // training images per second since the start
  double eta_s = 0;                   // seconds left at that rate
  bool epoch_end = false;
  double train_accuracy = 0;          // share of this epoch's training minibatches classified right
  double heldout_accuracy = -1;       // at epoch_end: on the held-out set (−1: none given)
  double epoch_s = 0;                 // at epoch_end: seconds the epoch took (training + evaluation)
};

struct ClassifierEpochStats {
  int64_t epoch = 0;
  double loss = 0, train_accuracy = 0, heldout_accuracy = -1, seconds = 0;
};

struct ClassifierTrainResult {
  std::vector<ClassifierEpochStats> epochs;
  double heldout_accuracy = -1;  // after the last epoch (−1: no held-out set)
  double seconds = 0;            // wall time in all
};

// Trains `net` on uint8 `images` [n, C, H, W] with int64 `labels` [n] (CPU tensors, labels in
// 0…num_classes−1); held-out accuracy from `heldout_images`/`heldout_labels` when defined. Images
// travel to the network's device one minibatch at a time. Throws pfgm::Error on shapes or labels
// that do not fit the network.
ClassifierTrainResult train_classifier(networks::Classifier& net, const torch::Tensor& images,
                                       const torch::Tensor& labels, const torch::Tensor& heldout_images,
                                       const torch::Tensor& heldout_labels, const ClassifierTrainOptions& options = {},
                                       const std::function<void(const ClassifierProgress&)>& on_progress = {});

// Class predictions of a trained classifier (argmax of the logits), int64 [n] on the CPU.
torch::Tensor predict_classes(networks::Classifier& net, const torch::Tensor& images, int64_t batch = 1000);

// Share of `images` whose predicted class is `labels`.
double classifier_accuracy(networks::Classifier& net, const torch::Tensor& images, const torch::Tensor& labels,
                           int64_t batch = 1000);

}  // namespace pfgm::training
