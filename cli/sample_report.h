#pragma once
// The quality report `pfgm train` prints after training: the samples' Fréchet distance in the
// features of a domain classifier (trained once on the dataset's labels and kept beside the runs),
// beside the floor of held-out real images, and the share of samples the classifier recognises.
#include <functional>
#include <string>

#include <torch/types.h>

#include "pfgm/data/image_dataset.h"
#include "pfgm/eval/sample_quality.h"

namespace pfgm::cli {

struct SampleReportOptions {
  std::string data;        // the training dataset (its test split, where it has one, gives the held-out images)
  std::string classifier;  // classifier file; trained on the dataset's labels when it does not exist
  std::string reference;   // where the training set's feature statistics are written (.npz for pfgm fid calc)
  c10::Device device = torch::kCPU;
  int64_t count = 1000;    // samples and held-out images
};

struct SampleReport {
  eval::SampleQuality quality;
  double classifier_accuracy = -1;  // held-out accuracy when the classifier was trained now
  double seconds = 0;               // classifier training (if any) and detector passes
};

// `train`: the training images (uint8) with labels; `samples`: uint8 [count, C, H, W].
// `say` receives progress lines. Throws pfgm::Error when the dataset has no labels.
SampleReport sample_report(const data::ImageDataset& train, const torch::Tensor& samples, const SampleReportOptions& o,
                           const std::function<void(const std::string&)>& say);

}  // namespace pfgm::cli
