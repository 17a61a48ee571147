#pragma once
// The quality report `pfgm train` prints after training: the samples' Fréchet distance in the
// features of a domain classifier (trained once on the dataset's labels and kept beside the runs),
// beside the floor of held-out real images, and the share of samples the classifier recognises.
#include <functional>
#include <memory>
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
  // Several processes share the detector's passes (every rank passes all samples); rank 0 trains
  // the classifier when needed and writes the reference; `data` and `classifier` are read by all.
  distributed::ProcessGroup* group = nullptr;
};

struct SampleReport {
  eval::SampleQuality quality;
  double classifier_accuracy = -1;  // held-out accuracy when the classifier was trained now
  double seconds = 0;               // classifier training (if any) and detector passes
};

// The judge of many sample sets against one dataset: the classifier (trained on `train`'s labels
// when its file does not exist), the training set's feature statistics and the held-out images,
// made once. Throws pfgm::Error when a classifier is needed and the dataset has no labels.
class SampleJudge {
 public:
  SampleJudge(const data::ImageDataset& train, const SampleReportOptions& o,
              const std::function<void(const std::string&)>& say);
  ~SampleJudge();
  // samples: uint8 [n, C, H, W]; judged against min(n, held-out) of them and as many held-out images.
  eval::SampleQuality judge(const torch::Tensor& samples) const;
  const torch::Tensor& heldout() const;  // uint8 held-out images (the test split, else the training set)
  bool has_test_split() const;           // false: heldout() is the training set
  double classifier_accuracy() const { return classifier_accuracy_; }  // −1 unless trained here

 private:
  struct State;
  std::unique_ptr<State> state_;
  double classifier_accuracy_ = -1;
};

// `train`: the training images (uint8) with labels; `samples`: uint8 [count, C, H, W].
// `say` receives progress lines. Throws pfgm::Error when the dataset has no labels.
SampleReport sample_report(const data::ImageDataset& train, const torch::Tensor& samples, const SampleReportOptions& o,
                           const std::function<void(const std::string&)>& say);

}  // namespace pfgm::cli
